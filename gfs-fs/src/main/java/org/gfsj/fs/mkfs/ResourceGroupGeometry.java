package org.gfsj.fs.mkfs;

import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.SuperBlock;

/**
 * Where the resource groups go: back to back from the block after the superblock, each
 * {@code groupBlocks} long, the last one shorter. A remainder under a quarter of a group is left
 * unused: a small group costs a lock and an index entry for little space.
 */
final class ResourceGroupGeometry {
  private ResourceGroupGeometry() {}

  static List<ResourceGroupIndexEntry> groups(int blockSize, long deviceBlocks, long groupBlocks) {
    List<ResourceGroupIndexEntry> groups = new ArrayList<>();
    long next = SuperBlock.address(blockSize) + 1;
    long smallest = Math.max(3, groupBlocks / 4);
    while (deviceBlocks - next >= smallest) {
      long length = Math.min(groupBlocks, deviceBlocks - next);
      groups.add(group(next, length, blockSize));
      next += length;
    }
    return groups;
  }

  /** A group of {@code length} blocks at {@code address}: as few bitmap blocks as cover the rest. */
  static ResourceGroupIndexEntry group(long address, long length, int blockSize) {
    long perBitmap = Bitmap.blocksPerBitmapBlock(blockSize);
    long bitmaps = (length - 1 + perBitmap) / (perBitmap + 1);
    long data = length - 1 - bitmaps;
    return new ResourceGroupIndexEntry(address, address + 1 + bitmaps, (int) length, (int) bitmaps,
        (int) data);
  }
}
