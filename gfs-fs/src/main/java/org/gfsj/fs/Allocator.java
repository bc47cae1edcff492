package org.gfsj.fs;

import java.io.IOException;
import java.util.List;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * Chooses the resource group each allocation comes from (GFS2's rgrp selection): first the group
 * of the caller's goal (the block next to the file's last one), then the groups this node's id
 * hashes to, so that nodes of a cluster allocate from different groups and rarely contend for a
 * group's lock; then every other group in turn. ENOSPC when no group has room, which turns into
 * room again once deletes commit. Every allocation and free is also counted in {@link Statfs}.
 */
final class Allocator {
  /** A run of blocks handed out. */
  record Run(long start, int length) {}

  private final List<ResourceGroup> groups;
  private final int preferred;
  private final Transactions transactions;
  private final Statfs statfs;

  Allocator(List<ResourceGroup> groups, String nodeName, Transactions transactions,
      Statfs statfs) {
    this.groups = groups;
    this.preferred = Math.floorMod(nodeName.hashCode(), groups.size());
    this.transactions = transactions;
    this.statfs = statfs;
  }

  List<ResourceGroup> groups() {
    return groups;
  }

  /** The group holding data block {@code block}; a pointer anywhere else is corruption. */
  ResourceGroup groupOf(long block) throws IOException {
    int lo = 0;
    int hi = groups.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      ResourceGroup g = groups.get(mid);
      if (block < g.index().address()) {
        hi = mid - 1;
      } else if (block >= g.index().end()) {
        lo = mid + 1;
      } else if (g.contains(block)) {
        g.load();
        return g;
      } else {
        break;
      }
    }
    throw new CorruptMetadataException(block, "a pointer names block " + block
        + ", which is no data block of any resource group");
  }

  /**
   * Makes sure {@code blocks} can be allocated by this operation, so that it fails with ENOSPC
   * before it changes anything rather than halfway. Waits for commits of frees in flight when
   * only they stand between the caller and the space. Frees still in the running transaction
   * are committed first, but only while the caller's {@code tx} has changed nothing: its blocks
   * may sit in the running transaction too, and a commit then would log half an operation.
   */
  void reserve(long blocks, FsTransaction tx) throws IOException {
    if (allocatableAtLeast(blocks)) {
      return;
    }
    if (tx.isEmpty()) {
      transactions.commitAndWait();
    } else {
      transactions.waitForCommits();
    }
    if (allocatable() < blocks) {
      throw new FsException(Errno.ENOSPC, "no space left: " + blocks + " blocks needed, "
          + allocatable() + " free; delete files or grow the filesystem (gfs-tool grow)");
    }
  }

  /** Whether {@code blocks} can be allocated now; looks at groups only until they add up. */
  private boolean allocatableAtLeast(long blocks) throws IOException {
    long n = 0;
    for (ResourceGroup g : groups) {
      g.load();
      n += g.allocatable();
      if (n >= blocks) {
        return true;
      }
    }
    return n >= blocks;
  }

  long allocatable() throws IOException {
    long n = 0;
    for (ResourceGroup g : groups) {
      g.load();
      n += g.allocatable();
    }
    return n;
  }

  /** A new dinode block near {@code goal}; returns its address and sets its generation. */
  Run dinode(FsTransaction tx, long goal, long[] generation) throws IOException {
    return allocate(tx, BlockState.DINODE, goal, 1, generation);
  }

  /** Up to {@code max} contiguous data or metadata blocks, near {@code goal}. */
  Run blocks(FsTransaction tx, long goal, int max) throws IOException {
    return allocate(tx, BlockState.USED, goal, max, null);
  }

  private Run allocate(FsTransaction tx, BlockState state, long goal, int max, long[] generation)
      throws IOException {
    int[] length = new int[1];
    int n = groups.size();
    int goalGroup = -1;
    for (int i = 0; i < n && goal > 0; i++) {
      if (groups.get(i).contains(goal)) {
        goalGroup = i;
      }
    }
    for (int k = -1; k < n; k++) {
      int i = k < 0 ? goalGroup : (preferred + k) % n;
      if (i < 0) {
        continue;
      }
      ResourceGroup g = groups.get(i);
      g.load();
      if (g.allocatable() == 0) {
        continue;
      }
      if (generation != null) {
        generation[0] = g.nextGeneration();
      }
      long start = g.allocate(tx, state, k < 0 ? goal : 0, max, length);
      if (start != 0) {
        statfs.change(tx, -length[0], state == BlockState.DINODE ? length[0] : 0);
        return new Run(start, length[0]);
      }
    }
    throw new FsException(Errno.ENOSPC, "no space left on the filesystem; delete files or grow it"
        + " (gfs-tool grow)");
  }

  /** Frees {@code count} blocks from {@code start}, across groups if the run crosses them. */
  void free(FsTransaction tx, long start, int count, boolean dinode) throws IOException {
    long at = start;
    long end = start + count;
    while (at < end) {
      ResourceGroup g = groupOf(at);
      long groupEnd = g.index().dataStart() + g.index().dataBlocks();
      int n = (int) (Math.min(end, groupEnd) - at);
      g.free(tx, at, n, dinode);
      statfs.change(tx, n, dinode ? -n : 0);
      at += n;
    }
  }
}
