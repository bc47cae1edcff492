package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * A leaf block of a hashed directory (GFS2's gfs2_leaf): entries whose hashes share the leaf's
 * top {@code depth} bits, as one chain of {@link DirectoryRecords} covering the rest of the block.
 *
 * <pre>
 *  0  metadata header, type DIRECTORY_LEAF
 * 24  u16 depth: the hash bits all its entries share; 2^(table depth - depth) table pointers,
 *         aligned, name it
 * 26  u16 entries: live records in this block
 * 28  u32 reserved, zero
 * 32  u64 next leaf of the chain, 0 if none (only at depth {@link HashTableBlock#MAX_DEPTH})
 * 40  u64 the directory's dinode (fsck checks that a leaf belongs where it is found)
 * 48  records to the end of the block
 * </pre>
 */
public final class DirectoryLeaf {
  public static final int RECORDS = 48;
  private static final int DEPTH = 24;
  private static final int ENTRIES = 26;
  private static final int NEXT = 32;
  private static final int OWNER = 40;

  private DirectoryLeaf() {}

  /** Bytes of records a leaf holds. */
  public static int areaSize(int blockSize) {
    return blockSize - RECORDS;
  }

  /** Zeroes the block and makes it an empty leaf: one free record over the whole area. */
  public static void start(ByteBuffer block, long address, int depth, long directory) {
    MetadataHeader.start(block, MetadataType.DIRECTORY_LEAF, address);
    block.putShort(DEPTH, (short) depth).putLong(OWNER, directory);
    DirectoryRecords.clear(area(block));
  }

  /** The records of a leaf, as a buffer of their own (index 0 = byte 48 of the block). */
  public static ByteBuffer area(ByteBuffer block) {
    return block.duplicate().limit(block.capacity()).position(RECORDS).slice();
  }

  public static int depth(ByteBuffer block) {
    return Short.toUnsignedInt(block.getShort(DEPTH));
  }

  public static void depth(ByteBuffer block, int depth) {
    block.putShort(DEPTH, (short) depth);
  }

  public static int entries(ByteBuffer block) {
    return Short.toUnsignedInt(block.getShort(ENTRIES));
  }

  public static void entries(ByteBuffer block, int entries) {
    block.putShort(ENTRIES, (short) entries);
  }

  public static long next(ByteBuffer block) {
    return block.getLong(NEXT);
  }

  public static void next(ByteBuffer block, long next) {
    block.putLong(NEXT, next);
  }

  public static long owner(ByteBuffer block) {
    return block.getLong(OWNER);
  }

  /** Checks the header and that the record chain stays inside the block. */
  public static void check(ByteBuffer block, long address) throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.DIRECTORY_LEAF, address);
    if (depth(block) > HashTableBlock.MAX_DEPTH) {
      throw new CorruptMetadataException(address, "directory leaf has depth " + depth(block)
          + ", above the most " + HashTableBlock.MAX_DEPTH);
    }
    DirectoryRecords.check(area(block), address);
  }
}
