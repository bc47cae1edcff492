package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * The hash table of a hashed directory (GFS2's extendible hashing): {@code 2^depth} u64 pointers
 * to leaf blocks, indexed by the top {@code depth} bits of an entry's hash. While it fits
 * ({@link #stuffedDepth}) the table lives in the dinode's data area; beyond that it is the
 * directory's file contents, blocks of type {@link MetadataType#DIRECTORY_HASH_TABLE} mapped by
 * its extents:
 *
 * <pre>
 *  0  metadata header, type DIRECTORY_HASH_TABLE
 * 24  u64 pointers to the end of the block: pointer i of the table is in table block
 *     i / perBlock, at 24 + 8 * (i % perBlock)
 * </pre>
 *
 * The directory's size is the table's bytes, {@code 8 << depth}, so the depth is read from it.
 * Depth never passes {@link #MAX_DEPTH}: at 2^16 pointers the table is 129 blocks of 4 KiB, and
 * doubling it is one transaction that fits the smallest journal (a quarter of 4 MiB); a full leaf
 * at that depth gets a chained leaf instead (GFS2's lf_next).
 */
public final class HashTableBlock {
  public static final int MAX_DEPTH = NameHash.PREFIX_BITS;
  public static final int POINTERS = MetadataHeader.SIZE;

  private HashTableBlock() {}

  public static int perBlock(int blockSize) {
    return (blockSize - POINTERS) / 8;
  }

  /** Table blocks a table of {@code depth} needs when it is not in the dinode. */
  public static int blocks(int depth, int blockSize) {
    int per = perBlock(blockSize);
    return ((1 << depth) + per - 1) / per;
  }

  /** The deepest table that fits in a dinode's data area: a new hashed directory's depth. */
  public static int stuffedDepth(int blockSize) {
    return 31 - Integer.numberOfLeadingZeros(Dinode.dataAreaSize(blockSize) / 8);
  }

  /** The table index of a hash or stored value. */
  public static int index(int hash, int depth) {
    return depth == 0 ? 0 : hash >>> (32 - depth);
  }

  /** The depth of a table of {@code size} bytes, or -1 if no table has that size. */
  public static int depthOfSize(long size) {
    if (size < 8 || Long.bitCount(size) != 1) {
      return -1;
    }
    int depth = Long.numberOfTrailingZeros(size) - 3;
    return depth > MAX_DEPTH ? -1 : depth;
  }

  public static void start(ByteBuffer block, long address) {
    MetadataHeader.start(block, MetadataType.DIRECTORY_HASH_TABLE, address);
  }

  public static void check(ByteBuffer block, long address) throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.DIRECTORY_HASH_TABLE, address);
  }

  public static long pointer(ByteBuffer block, int slot) {
    return block.getLong(POINTERS + 8 * slot);
  }

  public static void pointer(ByteBuffer block, int slot, long leaf) {
    block.putLong(POINTERS + 8 * slot, leaf);
  }
}
