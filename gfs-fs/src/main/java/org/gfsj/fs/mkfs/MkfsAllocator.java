package org.gfsj.fs.mkfs;

import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.ResourceGroupIndexEntry;

/**
 * Hands out blocks for mkfs: contiguous runs, front to back, never looking back, so that every
 * group's used blocks are a prefix of its data area and a journal is always one run (a
 * JournalRegion). Records each run's state for the bitmaps and each dinode's generation.
 */
final class MkfsAllocator {
  /** A run of blocks in one group's data area, by index from the data start. */
  record Run(int index, int count, BlockState state) {}

  /** Thrown when the groups are full; mkfs turns it into a minimum size. */
  static final class OutOfSpace extends Exception {
    private static final long serialVersionUID = 1L;
  }

  private final List<ResourceGroupIndexEntry> groups;
  private final int[] used;
  private final int[] dinodes;
  private final List<List<Run>> runs = new ArrayList<>();
  private int current;

  MkfsAllocator(List<ResourceGroupIndexEntry> groups) {
    this.groups = groups;
    this.used = new int[groups.size()];
    this.dinodes = new int[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      runs.add(new ArrayList<>());
    }
  }

  /** A dinode block. */
  long dinode() throws OutOfSpace {
    return allocate(1, 0, BlockState.DINODE);
  }

  /**
   * A dinode followed directly by {@code data} data blocks, in one group: returns the dinode's
   * address.
   */
  long dinodeWithData(long data) throws OutOfSpace {
    return allocate(1, data, BlockState.DINODE);
  }

  private long allocate(int dinode, long data, BlockState first) throws OutOfSpace {
    long count = dinode + data;
    while (current < groups.size() && groups.get(current).dataBlocks() - used[current] < count) {
      current++;
    }
    if (current == groups.size()) {
      throw new OutOfSpace();
    }
    ResourceGroupIndexEntry g = groups.get(current);
    int index = used[current];
    runs.get(current).add(new Run(index, dinode, first));
    dinodes[current] += dinode;
    if (data > 0) {
      runs.get(current).add(new Run(index + dinode, (int) data, BlockState.USED));
    }
    used[current] += (int) count;
    return g.dataStart() + index;
  }

  /** The index of the group holding {@code block}. */
  int groupOf(long block) {
    for (int i = 0; i < groups.size(); i++) {
      if (block >= groups.get(i).address() && block < groups.get(i).end()) {
        return i;
      }
    }
    throw new IllegalArgumentException("block " + block + " is in no resource group");
  }

  /** The highest group index anything was allocated from. */
  int lastGroupUsed() {
    return current;
  }

  List<Run> runs(int group) {
    return runs.get(group);
  }

  int free(int group) {
    return groups.get(group).dataBlocks() - used[group];
  }

  int dinodes(int group) {
    return dinodes[group];
  }

  /**
   * The generation of a dinode made by mkfs: its rank among the dinodes of its group, from 1, so
   * that each group's next generation is its dinode count plus one.
   */
  long generation(long dinode) {
    int g = groupOf(dinode);
    long rank = 0;
    for (Run r : runs.get(g)) {
      if (r.state() == BlockState.DINODE) {
        rank++;
        if (groups.get(g).dataStart() + r.index() == dinode) {
          return rank;
        }
      }
    }
    throw new IllegalArgumentException("block " + dinode + " is not a dinode made by mkfs");
  }
}
