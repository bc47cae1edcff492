package org.gfsj.journal.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which committed transactions the log must still keep: those holding the newest logged image of a
 * block that has not been written in place yet. The oldest of them is the tail; everything before
 * it may be overwritten. Not thread-safe: the journal writer guards it.
 */
final class LiveTransactions {
  private final ArrayDeque<Live> live = new ArrayDeque<>();
  private final Map<Long, Live> byBlock = new HashMap<>();
  private long head;
  private long nextSequence;

  private static final class Live {
    final long sequence;
    final long start;
    int pinned;

    Live(long sequence, long start) {
      this.sequence = sequence;
      this.start = start;
    }
  }

  LiveTransactions(long head, long nextSequence) {
    this.head = head;
    this.nextSequence = nextSequence;
  }

  /** Records a transaction written at the head. */
  void committed(long sequence, int blocks, Set<Long> images, Set<Long> revokes) {
    Live tx = new Live(sequence, head);
    live.addLast(tx);
    for (long block : images) {
      Live previous = byBlock.put(block, tx);
      if (previous != null) {
        previous.pinned--;
      }
      tx.pinned++;
    }
    for (long block : revokes) {
      Live previous = byBlock.remove(block);
      if (previous != null) {
        previous.pinned--;
      }
    }
    head += blocks;
    nextSequence = sequence + 1;
    dropUnpinned();
  }

  /**
   * Records that {@code block} was written in place with its contents as of {@code sequence}; a
   * newer image logged since keeps it pinned. Returns whether the tail moved.
   */
  boolean writtenBack(long block, long sequence) {
    Live tx = byBlock.get(block);
    if (tx == null || tx.sequence > sequence) {
      return false;
    }
    byBlock.remove(block);
    tx.pinned--;
    return dropUnpinned();
  }

  private boolean dropUnpinned() {
    boolean moved = false;
    while (!live.isEmpty() && live.peekFirst().pinned == 0) {
      live.removeFirst();
      moved = true;
    }
    return moved;
  }

  /** The absolute log position of the oldest transaction still needed, or the head. */
  long tail() {
    return live.isEmpty() ? head : live.peekFirst().start;
  }

  /** The sequence of the transaction at the tail (the next one's when none is live). */
  long tailSequence() {
    return live.isEmpty() ? nextSequence : live.peekFirst().sequence;
  }

  long head() {
    return head;
  }

  long nextSequence() {
    return nextSequence;
  }

  boolean isEmpty() {
    return live.isEmpty();
  }

  /** The blocks still waiting to be written in place, with the sequence of their newest image. */
  List<PinnedBlock> pinned() {
    List<PinnedBlock> out = new ArrayList<>(byBlock.size());
    byBlock.forEach((block, tx) -> out.add(new PinnedBlock(block, tx.sequence)));
    return out;
  }
}
