package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.DirectoryRecords;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.format.NameHash;

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

  /**
   * Adds {@code entry} to directory {@code dir}, small or hashed, where a record has room (the
   * dinode's area, or the leaf chain the name's hash leads to), moving no other entry, with a
   * hash value unique in the directory; the entry count rises by one. Returns false when there is
   * no room.
   */
  boolean addEntry(long dir, DirectoryEntry entry) throws IOException {
    ByteBuffer d = fs.block(dir);
    Dinode dinode = Dinode.decode(d, dir);
    byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
    int hash = NameHash.of(name);
    int need = DirectoryRecords.need(name.length);
    List<Long> blocks = new ArrayList<>();
    List<ByteBuffer> areas = new ArrayList<>();
    List<ByteBuffer> images = new ArrayList<>();
    if (dinode.isHashedDirectory()) {
      long[] table = fs.hashTable(dinode, d);
      int i = HashTableBlock.index(hash, Integer.numberOfTrailingZeros(table.length));
      // every value with this hash's prefix lives in this chain: uniqueness is checked here
      for (long leaf : fs.leafChain(table[i], dir)) {
        ByteBuffer l = fs.block(leaf);
        blocks.add(leaf);
        images.add(l);
        areas.add(DirectoryLeaf.area(l));
      }
    } else {
      blocks.add(dir);
      images.add(d);
      areas.add(writableDataArea(d));
    }
    long value = NameHash.unique(hash,
        v -> areas.stream().anyMatch(a -> DirectoryRecords.holdsValue(a, v)));
    if (value == NameHash.NONE_FREE) {
      return false;
    }
    for (int k = 0; k < areas.size(); k++) {
      int at = DirectoryRecords.room(areas.get(k), need);
      if (at < 0) {
        continue;
      }
      DirectoryRecords.insert(areas.get(k), at, entry.inode(), (int) value, name, entry.type());
      if (blocks.get(k) != dir) {
        DirectoryLeaf.entries(images.get(k), DirectoryLeaf.entries(images.get(k)) + 1);
        write(blocks.get(k), images.get(k));
      }
      d.putInt(ENTRIES, d.getInt(ENTRIES) + 1);
      write(dir, d);
      return true;
    }
    return false;
  }

  /** Points the ".." entry of directory {@code dir}, small or hashed, at {@code parent}. */
  void setDotDot(long dir, long parent) throws IOException {
    ByteBuffer d = fs.block(dir);
    Dinode dinode = Dinode.decode(d, dir);
    byte[] dotDot = "..".getBytes(StandardCharsets.UTF_8);
    if (!dinode.isHashedDirectory()) {
      ByteBuffer area = writableDataArea(d);
      int at = DirectoryRecords.find(area, dotDot);
      if (at >= 0) {
        DirectoryRecords.retarget(area, at, parent, FileType.DIRECTORY);
        write(dir, d);
        return;
      }
    } else {
      long[] table = fs.hashTable(dinode, d);
      int i = HashTableBlock.index(NameHash.of(dotDot), Integer.numberOfTrailingZeros(table.length));
      for (long leaf : fs.leafChain(table[i], dir)) {
        ByteBuffer l = fs.block(leaf);
        ByteBuffer area = DirectoryLeaf.area(l);
        int at = DirectoryRecords.find(area, dotDot);
        if (at >= 0) {
          DirectoryRecords.retarget(area, at, parent, FileType.DIRECTORY);
          write(leaf, l);
          return;
        }
      }
    }
    throw new CorruptMetadataException(dir, "directory " + dir + " has no '..' entry");
  }

  /** The dinode's data area as a view that writes through to {@code dinodeBlock}. */
  private static ByteBuffer writableDataArea(ByteBuffer dinodeBlock) {
    return dinodeBlock.duplicate().limit(dinodeBlock.capacity()).position(Dinode.DATA_OFFSET)
        .slice();
  }

  void write(long address, ByteBuffer block) throws IOException {
    MetadataHeader.seal(block);
    fs.device().write(address, block.clear());
  }
}
