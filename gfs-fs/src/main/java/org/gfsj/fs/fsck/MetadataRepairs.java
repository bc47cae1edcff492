package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.gfsj.fs.FileSystemReader;
import java.nio.charset.StandardCharsets;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.DirectoryRecords;
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
   * drops by one, and so does the leaf's when {@code block} is a leaf.
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
    if (block != dir) {
      DirectoryLeaf.entries(b, DirectoryLeaf.entries(b) - 1);
    }
    write(block, b);
    ByteBuffer d = fs.block(dir);
    d.putInt(ENTRIES, d.getInt(ENTRIES) - 1);
    write(dir, d);
  }

  void setLeafEntries(long leaf, int entries) throws IOException {
    ByteBuffer b = fs.block(leaf);
    DirectoryLeaf.entries(b, entries);
    write(leaf, b);
  }

  /**
   * Moves {@code entry} (with its stored hash value, so its readdir cookie stays) from leaf
   * {@code from} to leaf {@code to} of directory {@code dir}, if {@code to} has room; otherwise
   * only removes it. Returns whether it moved.
   */
  boolean moveEntry(long dir, long from, DirectoryEntry entry, long to) throws IOException {
    byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
    ByteBuffer target = fs.block(to);
    ByteBuffer area = DirectoryLeaf.area(target);
    int at = DirectoryRecords.room(area, entry.recordLength());
    if (at >= 0) {
      DirectoryRecords.insert(area, at, entry.inode(), entry.hash(), name, entry.type());
      DirectoryLeaf.entries(target, DirectoryLeaf.entries(target) + 1);
      write(to, target);
    }
    ByteBuffer source = fs.block(from);
    ByteBuffer records = DirectoryLeaf.area(source);
    DirectoryRecords.remove(records, DirectoryRecords.find(records, name));
    DirectoryLeaf.entries(source, DirectoryLeaf.entries(source) - 1);
    write(from, source);
    if (at < 0) {
      ByteBuffer d = fs.block(dir);
      d.putInt(ENTRIES, d.getInt(ENTRIES) - 1);
      write(dir, d);
    }
    return at >= 0;
  }

  void write(long address, ByteBuffer block) throws IOException {
    MetadataHeader.seal(block);
    fs.device().write(address, block.clear());
  }
}
