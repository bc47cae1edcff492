package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.HashTableBlock;

/**
 * The leaf pointers of one hashed directory ({@link HashTableBlock}): in the dinode's data area
 * while they fit, then in table blocks that are the directory's file contents. Reading pointer i
 * reads one block at most; doubling rewrites the whole table, which happens once per depth.
 */
final class DirectoryHashTable {
  private final Inode dir;
  private final BufferCache cache;
  private final int bs;
  private final int perBlock;

  DirectoryHashTable(Inode dir, BufferCache cache) {
    this.dir = dir;
    this.cache = cache;
    this.bs = cache.blockSize();
    this.perBlock = HashTableBlock.perBlock(bs);
  }

  /** The table's depth, read from the directory's size. */
  int depth() throws CorruptMetadataException {
    int d = HashTableBlock.depthOfSize(dir.size);
    if (d < 0 || (dir.height == 0 && dir.size > Dinode.dataAreaSize(bs))) {
      throw new CorruptMetadataException(dir.ino(), "hashed directory has size " + dir.size
          + ", which is no hash table's size");
    }
    return d;
  }

  /** Makes the dinode's data area a table of the stuffed depth whose pointers all name {@code leaf}. */
  void create(long leaf) {
    int d = HashTableBlock.stuffedDepth(bs);
    ByteBuffer area = ByteBuffer.wrap(dir.stuffed);
    Arrays.fill(dir.stuffed, (byte) 0);
    for (int i = 0; i < 1 << d; i++) {
      area.putLong(8 * i, leaf);
    }
    dir.size = 8L << d;
  }

  long pointer(int i) throws IOException {
    if (dir.height == 0) {
      return ByteBuffer.wrap(dir.stuffed).getLong(8 * i);
    }
    return HashTableBlock.pointer(block(i / perBlock).data, i % perBlock);
  }

  /** Points table entries {@code from} to {@code to} - 1 at {@code leaf}. */
  void set(int from, int to, long leaf, FsTransaction tx) throws IOException {
    if (dir.height == 0) {
      ByteBuffer area = ByteBuffer.wrap(dir.stuffed);
      for (int i = from; i < to; i++) {
        area.putLong(8 * i, leaf);
      }
      return;
    }
    BufferCache.Buffer b = null;
    for (int i = from; i < to; i++) {
      if (b == null || i % perBlock == 0) {
        b = block(i / perBlock);
        tx.change(b);
      }
      HashTableBlock.pointer(b.data, i % perBlock, leaf);
    }
  }

  /**
   * Doubles the table (GFS2's dir_double_exhash): entry i of the new table is entry i / 2 of the
   * old, so every leaf keeps its hashes. The table leaves the dinode for table blocks the first
   * time; the blocks it grows by come from {@code allocator}, reserved by the caller.
   */
  void doubleSize(FsTransaction tx, Allocator allocator) throws IOException {
    int d = depth();
    long[] old = new long[1 << d];
    for (int i = 0; i < old.length; i++) {
      old[i] = pointer(i);
    }
    int nd = d + 1;
    int have = dir.height == 0 ? 0 : HashTableBlock.blocks(d, bs);
    int want = HashTableBlock.blocks(nd, bs);
    for (int k = have; k < want; ) {
      Allocator.Run r = allocator.blocks(tx, dir.map.goal(k, dir.ino() + 1), want - k);
      dir.map.add(k, r.start(), r.length());
      dir.addBlocks(r.length());
      for (int j = 0; j < r.length(); j++) {
        HashTableBlock.start(cache.fresh(r.start() + j, dir.glock()).data, r.start() + j);
      }
      k += r.length();
    }
    if (dir.height == 0) {
      dir.stuffed = null;
      dir.height = 1;
    }
    dir.size = 8L << nd;
    BufferCache.Buffer b = null;
    for (int i = 0; i < 1 << nd; i++) {
      if (b == null || i % perBlock == 0) {
        b = block(i / perBlock);
        tx.change(b);
      }
      HashTableBlock.pointer(b.data, i % perBlock, old[i >> 1]);
    }
  }

  private BufferCache.Buffer block(int k) throws IOException {
    Extent e = dir.map.find(k);
    if (e == null) {
      throw new CorruptMetadataException(dir.ino(), "hashed directory has no block for table"
          + " block " + k);
    }
    return cache.read(e.physical() + (k - e.logical()), dir.glock(), HashTableBlock::check);
  }
}
