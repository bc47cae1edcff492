package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.MetadataHeader;

/**
 * The in-place edits -y makes to metadata blocks: each reads the block, changes a field and seals
 * it again, so the repaired block carries a correct CRC.
 */
final class MetadataRepairs {
  private static final int NLINK = 36;
  private static final int SIZE = 40;
  private static final int BLOCKS = 48;
  private static final int ENTRIES = 116;

  private final FileSystemReader fs;

  MetadataRepairs(FileSystemReader fs) {
    this.fs = fs;
  }

  void setLinkCount(long dinode, int nlink) throws IOException {
    ByteBuffer b = fs.block(dinode);
    b.putInt(NLINK, nlink);
    write(dinode, b);
  }

  void setSize(long dinode, long size) throws IOException {
    ByteBuffer b = fs.block(dinode);
    b.putLong(SIZE, size);
    write(dinode, b);
  }

  void setBlockCount(long dinode, long blocks) throws IOException {
    ByteBuffer b = fs.block(dinode);
    b.putLong(BLOCKS, blocks);
    write(dinode, b);
  }

  /**
   * Frees the record naming {@code inode} in the directory area at {@code areaOffset} of
   * {@code block} by zeroing its inode: a free record is part of the format, so the chain stays
   * intact and no other entry moves (readdir cookies stay valid). The directory's entry count
   * drops by one.
   */
  void removeEntry(long dir, long block, int areaOffset, long inode) throws IOException {
    ByteBuffer b = fs.block(block);
    int at = areaOffset;
    while (at < b.capacity()) {
      int len = Short.toUnsignedInt(b.getShort(at + 12));
      if (b.getLong(at) == inode) {
        b.putLong(at, 0);
        break;
      }
      at += Math.max(len, DirectoryEntry.HEADER);
    }
    write(block, b);
    ByteBuffer d = fs.block(dir);
    d.putInt(ENTRIES, d.getInt(ENTRIES) - 1);
    write(dir, d);
  }

  void write(long address, ByteBuffer block) throws IOException {
    MetadataHeader.seal(block);
    fs.device().write(address, block.clear());
  }
}
