package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;

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

  /**
   * Adds {@code entry} to directory {@code dir} (stuffed, or with leaves mapped directly by its
   * extents) where a record has room, moving no other entry; the entry count rises by one.
   * Returns false when no area has room.
   */
  boolean addEntry(long dir, DirectoryEntry entry) throws IOException {
    ByteBuffer d = fs.block(dir);
    Dinode dinode = Dinode.decode(d, dir);
    boolean added = false;
    if (dinode.height() == 0) {
      added = entry.insertLinear(d.duplicate().position(Dinode.DATA_OFFSET).slice());
    } else if (dinode.height() == 1) {
      for (Extent e : dinode.decodeExtents(d)) {
        for (int i = 0; i < e.length() && !added; i++) {
          long leaf = e.physical() + i;
          ByteBuffer l = fs.block(leaf);
          MetadataHeader.check(l, MetadataType.DIRECTORY_LEAF, leaf);
          if (entry.insertLinear(l.duplicate().position(MetadataHeader.SIZE).slice())) {
            write(leaf, l);
            added = true;
          }
        }
      }
    }
    if (added) {
      d.putInt(ENTRIES, d.getInt(ENTRIES) + 1);
      write(dir, d);
    }
    return added;
  }

  /** Points the ".." entry of directory {@code dir} (in its first area) at {@code parent}. */
  void setDotDot(long dir, long parent) throws IOException {
    ByteBuffer d = fs.block(dir);
    Dinode dinode = Dinode.decode(d, dir);
    long block = dir;
    ByteBuffer b = d;
    int offset = Dinode.DATA_OFFSET;
    if (dinode.height() > 0) {
      block = dinode.decodeExtents(d)[0].physical();
      b = fs.block(block);
      offset = MetadataHeader.SIZE;
    }
    int at = offset;
    while (at < b.capacity()) {
      int len = Short.toUnsignedInt(b.getShort(at + 12));
      if (b.getLong(at) != 0 && b.get(at + 14) == 2 && b.get(at + DirectoryEntry.HEADER) == '.'
          && b.get(at + DirectoryEntry.HEADER + 1) == '.') {
        b.putLong(at, parent);
        write(block, b);
        return;
      }
      at += Math.max(len, DirectoryEntry.HEADER);
    }
    throw new CorruptMetadataException(block, "directory " + dir + " has no '..' entry");
  }

  void write(long address, ByteBuffer block) throws IOException {
    MetadataHeader.seal(block);
    fs.device().write(address, block.clear());
  }
}
