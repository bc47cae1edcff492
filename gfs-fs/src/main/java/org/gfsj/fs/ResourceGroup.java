package org.gfsj.fs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockName;

/**
 * One resource group, as GFS2's rgrp: its header's counts and its 2-bit bitmaps, read through the
 * cache under the group's glock, and changed inside the caller's transaction.
 *
 * <p>Blocks freed by a transaction stay unallocatable until that transaction is durable (GFS2
 * keeps a "clone" bitmap for this): were a freed block reused for file data at once, a crash
 * before the free commits would leave the old file pointing at the new file's data. {@code busy}
 * is that clone: set for every block not free on disk and for every block freed by a transaction
 * still in flight.
 */
final class ResourceGroup {
  private final ResourceGroupIndexEntry index;
  private final BufferCache cache;
  private final Glock glock;
  private final int perBitmap;
  private ResourceGroupHeader header;
  private BitSet busy;
  private int pendingFree;

  ResourceGroup(ResourceGroupIndexEntry index, BufferCache cache, Glocks glocks) {
    this.index = index;
    this.cache = cache;
    this.glock = glocks.get(LockName.Type.RESOURCE_GROUP, index.address());
    this.perBitmap = Bitmap.blocksPerBitmapBlock(cache.blockSize());
  }

  ResourceGroupIndexEntry index() {
    return index;
  }

  Glock glock() {
    return glock;
  }

  boolean contains(long block) {
    return block >= index.dataStart() && block < index.dataStart() + index.dataBlocks();
  }

  /** Reads the header and bitmaps under the glock, once per glock grant. */
  synchronized void load() throws IOException {
    glock.hold(LockMode.EX);
    glock.release();
    if (busy != null) {
      return;
    }
    BufferCache.Buffer hb = cache.read(index.address(), glock, ResourceGroupHeader::decode);
    ResourceGroupHeader h = ResourceGroupHeader.decodeCached(hb.data, index.address());
    if (!index.matches(h)) {
      throw new CorruptMetadataException(index.address(), "resource group header does not match"
          + " its resource-group index record");
    }
    BitSet b = new BitSet(index.dataBlocks());
    int free = 0;
    int dinodes = 0;
    for (int k = 0; k < index.bitmapBlocks(); k++) {
      BufferCache.Buffer bm = bitmap(k);
      for (int i = 0; i < perBitmap && k * perBitmap + i < index.dataBlocks(); i++) {
        BlockState s = Bitmap.get(bm.data, i);
        if (s == BlockState.FREE) {
          free++;
        } else {
          b.set(k * perBitmap + i);
          if (s == BlockState.DINODE || s == BlockState.UNLINKED) {
            dinodes++;
          }
        }
      }
    }
    if (free != h.free() || dinodes != h.dinodes()) {
      throw new CorruptMetadataException(index.address(), "resource group header counts "
          + h.free() + " free and " + h.dinodes() + " dinodes but its bitmaps show " + free
          + " and " + dinodes);
    }
    header = h;
    busy = b;
    pendingFree = 0;
  }

  /** Forgets the cached state; the next use reads it again (the glock went to UN). */
  synchronized void unload() {
    busy = null;
    header = null;
  }

  private BufferCache.Buffer bitmap(int k) throws IOException {
    long address = index.address() + 1 + k;
    return cache.read(address, glock, Bitmap::check);
  }

  /** Free blocks that may be handed out now. */
  synchronized int allocatable() {
    return header.free() - pendingFree;
  }

  /**
   * Allocates a run of up to {@code max} free blocks in state {@code state}, the first at or after
   * {@code goal} if the group has one there; returns the first block and puts the length in
   * {@code length[0]}, or returns 0 when the group has no allocatable block.
   */
  synchronized long allocate(FsTransaction tx, BlockState state, long goal, int max, int[] length)
      throws IOException {
    int n = index.dataBlocks();
    int start = contains(goal) ? (int) (goal - index.dataStart()) : 0;
    int first = busy.nextClearBit(start);
    if (first >= n) {
      first = busy.nextClearBit(0);
      if (first >= n) {
        return 0;
      }
    }
    int end = Math.min(busy.nextSetBit(first) < 0 ? n : busy.nextSetBit(first), n);
    int count = Math.min(max, end - first);
    setStates(tx, first, count, state);
    busy.set(first, first + count);
    int dinodes = state == BlockState.DINODE ? count : 0;
    writeHeader(tx, header.free() - count, header.dinodes() + dinodes,
        header.nextGeneration() + dinodes);
    length[0] = count;
    return index.dataStart() + first;
  }

  /** The generation the next dinode made here gets (read before allocating it). */
  synchronized long nextGeneration() {
    return header.nextGeneration();
  }

  /** Frees {@code count} blocks from {@code block}; reusable once {@code tx} is durable. */
  synchronized void free(FsTransaction tx, long block, int count, boolean dinode)
      throws IOException {
    int first = (int) (block - index.dataStart());
    for (int i = first; i < first + count; i++) {
      if (!busy.get(i)) {
        throw new CorruptMetadataException(block, "freeing a block the bitmap of resource group "
            + index.address() + " already shows free");
      }
    }
    setStates(tx, first, count, BlockState.FREE);
    pendingFree += count;
    writeHeader(tx, header.free() + count, header.dinodes() - (dinode ? count : 0),
        header.nextGeneration());
    tx.freed(this, first, count);
  }

  /** Moves a dinode between DINODE and UNLINKED (an unlinked inode still open). */
  synchronized void setDinodeState(FsTransaction tx, long block, BlockState state)
      throws IOException {
    setStates(tx, (int) (block - index.dataStart()), 1, state);
  }

  synchronized BlockState state(long block) throws IOException {
    int i = (int) (block - index.dataStart());
    return Bitmap.get(bitmap(i / perBitmap).data, i % perBitmap);
  }

  /** The dinodes marked unlinked: inodes whose last link went while they were open. */
  synchronized List<Long> unlinked() throws IOException {
    List<Long> out = new ArrayList<>();
    for (int k = 0; k < index.bitmapBlocks(); k++) {
      BufferCache.Buffer bm = bitmap(k);
      for (int i = 0; i < perBitmap && k * perBitmap + i < index.dataBlocks(); i++) {
        if (Bitmap.get(bm.data, i) == BlockState.UNLINKED) {
          out.add(index.dataStart() + k * perBitmap + i);
        }
      }
    }
    return out;
  }

  /** The freeing transaction of {@code count} blocks from data index {@code index} is durable. */
  synchronized void reusable(int first, int count) {
    if (busy == null) {
      return;
    }
    busy.clear(first, first + count);
    pendingFree -= count;
  }

  private void setStates(FsTransaction tx, int first, int count, BlockState state)
      throws IOException {
    int i = first;
    int end = first + count;
    while (i < end) {
      int k = i / perBitmap;
      int n = Math.min(end, (k + 1) * perBitmap) - i;
      BufferCache.Buffer bm = bitmap(k);
      Bitmap.fill(bm.data, i % perBitmap, n, state);
      tx.change(bm);
      i += n;
    }
  }

  private void writeHeader(FsTransaction tx, int free, int dinodes, long nextGeneration)
      throws IOException {
    header = new ResourceGroupHeader(index.address(), index.dataStart(), index.length(),
        index.bitmapBlocks(), index.dataBlocks(), free, dinodes, nextGeneration);
    BufferCache.Buffer hb = cache.read(index.address(), glock, ResourceGroupHeader::decode);
    header.updateCounts(hb.data);
    tx.change(hb);
  }
}
