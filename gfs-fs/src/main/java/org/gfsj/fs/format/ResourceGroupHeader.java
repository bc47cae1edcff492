package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * The first block of a resource group, self-describing so that fsck can find and check a group
 * without the index. The group is laid out as: this header, {@code bitmapBlocks} bitmap blocks,
 * then {@code dataBlocks} data blocks that the bitmaps describe. The header's own address (in the
 * metadata header) is the group's first block.
 *
 * <pre>
 *  0  metadata header, type RESOURCE_GROUP
 * 24  u64 data start: address of the first data block
 * 32  u32 length in blocks: header + bitmaps + data
 * 36  u32 bitmap blocks
 * 40  u32 data blocks
 * 44  u32 free data blocks
 * 48  u32 dinodes
 * 52  u32 reserved, zero
 * 56  u64 next inode generation: handed to the next dinode made here, then raised
 * </pre>
 */
public record ResourceGroupHeader(
    long address, long dataStart, int length, int bitmapBlocks, int dataBlocks, int free,
    int dinodes, long nextGeneration) {

  public void encode(ByteBuffer block) {
    MetadataHeader.start(block, MetadataType.RESOURCE_GROUP, address);
    block.putLong(24, dataStart).putInt(32, length).putInt(36, bitmapBlocks).putInt(40, dataBlocks)
        .putInt(44, free).putInt(48, dinodes).putLong(56, nextGeneration);
    MetadataHeader.seal(block);
  }

  /**
   * Writes the counts over the header block this header was read from or encoded into: the
   * rest never changes. Not sealed: the transaction that logs the block seals it.
   */
  public void updateCounts(ByteBuffer block) {
    block.putInt(44, free).putInt(48, dinodes).putLong(56, nextGeneration);
  }

  public static ResourceGroupHeader decode(ByteBuffer block, long address)
      throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.RESOURCE_GROUP, address);
    return fields(block, address);
  }

  /** {@link #decode} of a cached block, whose CRC is stale until its transaction seals it. */
  public static ResourceGroupHeader decodeCached(ByteBuffer block, long address)
      throws CorruptMetadataException {
    MetadataHeader.checkIdentity(block, MetadataType.RESOURCE_GROUP, address);
    return fields(block, address);
  }

  private static ResourceGroupHeader fields(ByteBuffer block, long address)
      throws CorruptMetadataException {
    ResourceGroupHeader h = new ResourceGroupHeader(address, block.getLong(24), block.getInt(32),
        block.getInt(36), block.getInt(40), block.getInt(44), block.getInt(48), block.getLong(56));
    if (h.dataStart != address + 1 + h.bitmapBlocks || h.bitmapBlocks < 1 || h.dataBlocks < 1
        || h.length != 1L + h.bitmapBlocks + h.dataBlocks) {
      throw new CorruptMetadataException(address, "resource group header describes an impossible"
          + " layout (data start " + h.dataStart + ", length " + h.length + ", "
          + h.bitmapBlocks + " bitmap blocks, " + h.dataBlocks + " data blocks)");
    }
    if (h.free < 0 || h.dinodes < 0 || (long) h.free + h.dinodes > h.dataBlocks) {
      throw new CorruptMetadataException(address, "resource group counts " + h.free + " free and "
          + h.dinodes + " dinodes in " + h.dataBlocks + " data blocks");
    }
    return h;
  }
}
