package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * A bitmap block of a resource group: the metadata header, then 2 bits per data block. Data block i
 * of the bitmap block lives in byte {@code 24 + i / 4}, bits {@code 2 * (i % 4)} and up (the
 * lowest pair of bits is the first block, as in GFS2). Bitmap block k of a group covers the
 * group's data blocks {@code k * blocksPerBitmapBlock} onward.
 */
public final class Bitmap {
  private Bitmap() {}

  /** How many data blocks one bitmap block describes. */
  public static int blocksPerBitmapBlock(int blockSize) {
    return (blockSize - MetadataHeader.SIZE) * 4;
  }

  /** An all-free bitmap block at {@code address}, not yet sealed. */
  public static void start(ByteBuffer block, long address) {
    MetadataHeader.start(block, MetadataType.BITMAP, address);
  }

  public static BlockState get(ByteBuffer block, int index) {
    int b = block.get(MetadataHeader.SIZE + index / 4);
    return BlockState.ofCode(b >>> (2 * (index % 4)));
  }

  public static void set(ByteBuffer block, int index, BlockState state) {
    int at = MetadataHeader.SIZE + index / 4;
    int shift = 2 * (index % 4);
    int b = block.get(at) & ~(3 << shift);
    block.put(at, (byte) (b | state.code() << shift));
  }

  /** Sets {@code count} blocks from {@code from} to {@code state}, whole bytes at a time. */
  public static void fill(ByteBuffer block, int from, int count, BlockState state) {
    int i = from;
    int end = from + count;
    while (i < end && i % 4 != 0) {
      set(block, i++, state);
    }
    byte whole = (byte) (state.code() * 0x55);
    for (; i + 4 <= end; i += 4) {
      block.put(MetadataHeader.SIZE + i / 4, whole);
    }
    while (i < end) {
      set(block, i++, state);
    }
  }

  public static void seal(ByteBuffer block) {
    MetadataHeader.seal(block);
  }

  public static void check(ByteBuffer block, long address) throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.BITMAP, address);
  }
}
