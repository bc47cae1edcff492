package org.gfsj.journal.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Walks a journal from its tail and finds every whole transaction after it.
 *
 * <p>The walk expects, at the tail, a transaction with the header's tail sequence; then, right after
 * each whole transaction, one with the next sequence. It stops at the first position where that
 * does not hold: a block of another journal id or sequence (left from an earlier lap of the circle),
 * a bad block CRC, a commit whose transaction CRC does not match (a torn write), or the whole log
 * walked. What it stopped at is the head. Because sequences only rise and each lap overwrites the
 * last one, the transactions found are exactly those written since the tail, in order.
 */
final class LogScanner {
  private final JournalRegion region;
  private final int blockSize;
  private final ByteBuffer block;

  LogScanner(JournalRegion region) {
    this.region = region;
    this.blockSize = region.blockSize();
    this.block = ByteBuffer.allocateDirect(blockSize);
  }

  /** An image found in the log: which block it belongs to and where its bytes are. */
  record LoggedImage(long target, long position) {}

  /** A whole transaction found in the log. */
  record LoggedTransaction(
      long sequence, long start, int blocks, List<LoggedImage> images, List<Long> revokes) {}

  /**
   * What the walk found.
   *
   * @param head the log position after the last whole transaction
   * @param nextSequence the sequence the next transaction would carry
   */
  record Scan(JournalHeader header, List<LoggedTransaction> transactions, long head, long nextSequence) {}

  Scan scan() throws IOException {
    JournalHeader header = region.readHeader();
    long logBlocks = region.logBlocks();
    long position = header.tail();
    long sequence = header.tailSequence();
    long walked = 0;
    List<LoggedTransaction> found = new ArrayList<>();
    while (walked < logBlocks) {
      LoggedTransaction tx = readTransaction(header.journalId(), position, sequence, logBlocks - walked);
      if (tx == null) {
        break;
      }
      found.add(tx);
      position = Math.floorMod(position + tx.blocks(), logBlocks);
      walked += tx.blocks();
      sequence++;
    }
    return new Scan(header, found, position, sequence);
  }

  /** Reads the transaction at {@code start} if it is whole and carries {@code sequence}. */
  private LoggedTransaction readTransaction(long journalId, long start, long sequence, long room)
      throws IOException {
    CRC32C crc = new CRC32C();
    List<LoggedImage> images = new ArrayList<>();
    List<Long> revokes = new ArrayList<>();
    long offset = 0;
    int capacity = LogLayout.descriptorCapacity(blockSize);
    while (offset < room) {
      if (!readLogBlock(start + offset, journalId, sequence)) {
        return null;
      }
      switch (LogBlock.type(block)) {
        case LogBlock.TYPE_DESCRIPTOR -> {
          int n = LogLayout.entryCount(block);
          if (n <= 0 || n > capacity || offset + 1 + n >= room) {
            return null;
          }
          List<LoggedImage> here = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            here.add(new LoggedImage(LogLayout.entry(block, i), start + offset + 1 + i));
          }
          crc.update(block.clear());
          for (int i = 0; i < n; i++) {
            readRaw(start + offset + 1 + i);
            crc.update(block.clear());
          }
          images.addAll(here);
          offset += 1 + n;
        }
        case LogBlock.TYPE_REVOKE -> {
          int n = LogLayout.entryCount(block);
          if (n <= 0 || n > capacity) {
            return null;
          }
          for (int i = 0; i < n; i++) {
            revokes.add(LogLayout.entry(block, i));
          }
          crc.update(block.clear());
          offset++;
        }
        case LogBlock.TYPE_COMMIT -> {
          boolean whole = LogLayout.commitTotal(block) == offset + 1
              && LogLayout.commitStart(block) == Math.floorMod(start, region.logBlocks())
              && LogLayout.commitCrc(block) == (int) crc.getValue();
          if (!whole) {
            return null;
          }
          long logBlocks = region.logBlocks();
          List<LoggedImage> normalised = images.stream()
              .map(i -> new LoggedImage(i.target(), Math.floorMod(i.position(), logBlocks)))
              .toList();
          return new LoggedTransaction(sequence, Math.floorMod(start, logBlocks), (int) offset + 1,
              normalised, revokes);
        }
        default -> {
          return null;
        }
      }
    }
    return null;
  }

  private boolean readLogBlock(long position, long journalId, long sequence) throws IOException {
    readRaw(position);
    return LogBlock.isValid(block, journalId) && LogBlock.sequence(block) == sequence;
  }

  private void readRaw(long position) throws IOException {
    region.device().read(region.deviceBlock(position), block.clear());
    block.clear();
  }
}
