package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * One record of the resource-group index ("rindex" in the system directory), in address order:
 * where a group is and how it is laid out, the same fields as the group's own header, so that a
 * mount learns every group without reading each header.
 *
 * <pre>
 *  0  u64 address of the group's header (its first block)
 *  8  u64 data start
 * 16  u32 length in blocks
 * 20  u32 bitmap blocks
 * 24  u32 data blocks
 * 28  u32 CRC32C of bytes 0..27
 * </pre>
 */
public record ResourceGroupIndexEntry(
    long address, long dataStart, int length, int bitmapBlocks, int dataBlocks) {
  public static final int SIZE = IndexRecord.SIZE;

  /** The group's last block plus one. */
  public long end() {
    return address + length;
  }

  /** Whether the group's header describes the same layout as this record. */
  public boolean matches(ResourceGroupHeader h) {
    return h.address() == address && h.dataStart() == dataStart && h.length() == length
        && h.bitmapBlocks() == bitmapBlocks && h.dataBlocks() == dataBlocks;
  }

  public void encode(ByteBuffer buf, int offset) {
    buf.putLong(offset, address).putLong(offset + 8, dataStart).putInt(offset + 16, length)
        .putInt(offset + 20, bitmapBlocks).putInt(offset + 24, dataBlocks);
    IndexRecord.seal(buf, offset);
  }

  public static ResourceGroupIndexEntry decode(ByteBuffer buf, int offset, long block)
      throws CorruptMetadataException {
    IndexRecord.check(buf, offset, block, "resource group index record");
    return new ResourceGroupIndexEntry(buf.getLong(offset), buf.getLong(offset + 8),
        buf.getInt(offset + 16), buf.getInt(offset + 20), buf.getInt(offset + 24));
  }
}
