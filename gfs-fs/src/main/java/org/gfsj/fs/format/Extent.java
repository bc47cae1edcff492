package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * One run of a file's block map: {@code length} file blocks from {@code logical} live at device
 * blocks from {@code physical}. Blocks no extent covers are holes and cost nothing.
 *
 * <pre>
 *  0  u64 logical block
 *  8  u64 physical block
 * 16  u32 length in blocks
 * 20  u32 flags: bit 0 = unwritten (allocated, reads as zeros: fallocate)
 * </pre>
 */
public record Extent(long logical, long physical, int length, int flags) {
  public static final int SIZE = 24;
  public static final int UNWRITTEN = 1;

  /** Whether these blocks are allocated but read as zeros. */
  public boolean unwritten() {
    return (flags & UNWRITTEN) != 0;
  }

  public void encode(ByteBuffer buf, int offset) {
    buf.putLong(offset, logical).putLong(offset + 8, physical).putInt(offset + 16, length)
        .putInt(offset + 20, flags);
  }

  /** Decodes the extent at {@code offset}; {@code block} names where it lives in messages. */
  public static Extent decode(ByteBuffer buf, int offset, long block)
      throws CorruptMetadataException {
    Extent e = new Extent(buf.getLong(offset), buf.getLong(offset + 8), buf.getInt(offset + 16),
        buf.getInt(offset + 20));
    if (e.length <= 0 || e.logical < 0 || e.physical <= 0 || (e.flags & ~UNWRITTEN) != 0) {
      throw new CorruptMetadataException(block, "impossible extent at byte " + offset + ": " + e);
    }
    return e;
  }
}
