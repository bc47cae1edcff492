package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;

/**
 * A directory's entries (GFS2's dir.c).
 *
 * <h2>Format</h2>
 * Entries are {@link DirectoryEntry} records chained by their lengths, covering an "area" from its
 * first byte to its last. A small directory has one area: its dinode's data area (stuffed, height
 * 0). When that is full the directory becomes a file of leaf blocks mapped by its {@link BlockMap}:
 * leaf i is a metadata block (type {@link MetadataType#DIRECTORY_LEAF}) whose bytes after the
 * 24-byte header are area i. The first leaf takes the stuffed chain over byte for byte, its last
 * record growing to the larger area, so that entries keep their offsets. The directory's size is
 * its leaf count times the block size (the block size while stuffed).
 *
 * <h2>Readdir cookies</h2>
 * An entry's position is {@code leaf * blockSize + offset in the area}; it never changes while the
 * entry exists, because records are never moved: a new entry splits the slack of an existing
 * record, a removed one joins the record before it (or, first in its area, becomes a free record).
 * Readdir from cookie c returns the entries at positions >= c and gives each entry the cookie
 * position + 1, so a listing resumed while others add and remove entries neither skips nor repeats
 * an entry that stayed.
 *
 * <h2>Lookup</h2>
 * The first lookup reads every area once and builds an in-memory index of names (and the largest
 * free slack of each leaf, for inserts); later lookups and inserts do not scan. The index lives as
 * long as the inode is cached under its glock. An on-disk hash index (GFS2's extendible hashing,
 * planned in docs/format.md) will make the first lookup of a huge directory cheap as well.
 */
final class Directory {
  /** One entry and where it lives. */
  record Entry(String name, long ino, FileType type, long position) {}

  private static final int INO = 0;
  private static final int HASH = 8;
  private static final int LENGTH = 12;
  private static final int NAME_LENGTH = 14;
  private static final int TYPE = 15;

  private final Inode dir;
  private final BufferCache cache;
  private final int blockSize;
  private HashMap<String, Entry> index;
  private int[] slack;

  Directory(Inode dir, BufferCache cache) {
    this.dir = dir;
    this.cache = cache;
    this.blockSize = cache.blockSize();
  }

  /** One area of entries and the cached block holding it (null while stuffed). */
  private record Area(ByteBuffer bytes, BufferCache.Buffer buffer) {}

  private int areaCount() {
    return dir.height == 0 ? 1 : (int) (dir.size / blockSize);
  }

  private Area area(int i) throws IOException {
    if (dir.height == 0) {
      return new Area(ByteBuffer.wrap(dir.stuffed), null);
    }
    Extent e = dir.map.find(i);
    if (e == null) {
      throw new CorruptMetadataException(dir.ino(), "directory has no block for leaf " + i
          + " of " + areaCount());
    }
    long address = e.physical() + (i - e.logical());
    BufferCache.Buffer b = cache.read(address, dir.glock(), Directory::checkLeaf);
    return new Area(b.data.slice(MetadataHeader.SIZE, blockSize - MetadataHeader.SIZE), b);
  }

  private static void checkLeaf(ByteBuffer block, long address) throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.DIRECTORY_LEAF, address);
    checkChain(block.slice(MetadataHeader.SIZE, block.capacity() - MetadataHeader.SIZE), address);
  }

  /** Walks a chain, so that no later walk can run off its area. */
  static void checkChain(ByteBuffer area, long block) throws CorruptMetadataException {
    int at = 0;
    while (at < area.capacity()) {
      int len = length(area, at);
      if (len < DirectoryEntry.HEADER || len % 8 != 0 || len > area.capacity() - at) {
        throw new CorruptMetadataException(block, "directory record at byte " + at
            + " has an impossible length " + len);
      }
      int nameLen = Byte.toUnsignedInt(area.get(at + NAME_LENGTH));
      if (area.getLong(at + INO) != 0 && (nameLen == 0 || DirectoryEntry.HEADER + nameLen > len
          || FileType.ofDirentType(area.get(at + TYPE)) == null)) {
        throw new CorruptMetadataException(block, "directory record at byte " + at
            + " has a name of " + nameLen + " bytes or an unknown type in a record of " + len);
      }
      at += len;
    }
  }

  private static int length(ByteBuffer area, int at) {
    return Short.toUnsignedInt(area.getShort(at + LENGTH));
  }

  private static int used(ByteBuffer area, int at) {
    if (area.getLong(at + INO) == 0) {
      return 0;
    }
    return align(DirectoryEntry.HEADER + Byte.toUnsignedInt(area.get(at + NAME_LENGTH)));
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }

  private static String name(ByteBuffer area, int at) {
    byte[] b = new byte[Byte.toUnsignedInt(area.get(at + NAME_LENGTH))];
    area.get(at + DirectoryEntry.HEADER, b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private Entry entry(ByteBuffer area, int at, int i) {
    return new Entry(name(area, at), area.getLong(at + INO),
        FileType.ofDirentType(area.get(at + TYPE)), (long) i * blockSize + at);
  }

  private void ensureIndex() throws IOException {
    if (index != null) {
      return;
    }
    HashMap<String, Entry> idx = new HashMap<>();
    int n = areaCount();
    int[] sl = new int[n];
    for (int i = 0; i < n; i++) {
      Area a = area(i);
      if (a.buffer == null) {
        checkChain(a.bytes, dir.ino());
      }
      for (int at = 0; at < a.bytes.capacity(); at += length(a.bytes, at)) {
        if (a.bytes.getLong(at + INO) != 0) {
          Entry e = entry(a.bytes, at, i);
          if (idx.put(e.name(), e) != null) {
            throw new CorruptMetadataException(dir.ino(), "directory holds '" + e.name()
                + "' twice");
          }
        }
      }
      sl[i] = slackOf(a.bytes);
    }
    index = idx;
    slack = sl;
  }

  private static int slackOf(ByteBuffer area) {
    int best = 0;
    for (int at = 0; at < area.capacity(); at += length(area, at)) {
      best = Math.max(best, length(area, at) - used(area, at));
    }
    return best;
  }

  Entry lookup(String name) throws IOException {
    ensureIndex();
    return index.get(name);
  }

  int entryCount() throws IOException {
    ensureIndex();
    return index.size();
  }

  /** Adds {@code name}; the caller checked it is not there and reserved two blocks. */
  void add(String name, long ino, FileType type, FsTransaction tx, Allocator allocator)
      throws IOException {
    ensureIndex();
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    int need = align(DirectoryEntry.HEADER + bytes.length);
    int i = roomFor(need);
    if (i < 0 && dir.height == 0) {
      unstuff(tx, allocator);
      i = roomFor(need);
    }
    if (i < 0) {
      i = addLeaf(tx, allocator);
    }
    Area a = area(i);
    ByteBuffer area = a.bytes;
    for (int at = 0; at < area.capacity(); at += length(area, at)) {
      int len = length(area, at);
      int used = used(area, at);
      if (len - used < need) {
        continue;
      }
      int pos = at;
      int recLen = len;
      if (used > 0) {
        area.putShort(at + LENGTH, (short) used);
        pos = at + used;
        recLen = len - used;
      }
      area.putLong(pos + INO, ino).putInt(pos + HASH, DirectoryEntry.hash(name))
          .putShort(pos + LENGTH, (short) recLen).put(pos + NAME_LENGTH, (byte) bytes.length)
          .put(pos + TYPE, (byte) type.direntType()).put(pos + DirectoryEntry.HEADER, bytes);
      changed(a, tx);
      slack[i] = slackOf(area);
      index.put(name, new Entry(name, ino, type, (long) i * blockSize + pos));
      dir.entries++;
      return;
    }
    throw new CorruptMetadataException(dir.ino(), "directory leaf " + i + " promised "
        + slack[i] + " free bytes but has none");
  }

  private int roomFor(int need) {
    for (int i = slack.length - 1; i >= 0; i--) {
      if (slack[i] >= need) {
        return i;
      }
    }
    return -1;
  }

  private void changed(Area a, FsTransaction tx) {
    if (a.buffer != null) {
      tx.change(a.buffer);
    }
  }

  /** Moves the stuffed chain into a first leaf block at the same offsets. */
  private void unstuff(FsTransaction tx, Allocator allocator) throws IOException {
    Allocator.Run r = allocator.blocks(tx, dir.ino() + 1, 1);
    BufferCache.Buffer leaf = cache.fresh(r.start(), dir.glock());
    MetadataHeader.start(leaf.data, MetadataType.DIRECTORY_LEAF, r.start());
    ByteBuffer area = leaf.data.slice(MetadataHeader.SIZE, blockSize - MetadataHeader.SIZE);
    area.put(0, dir.stuffed);
    int last = 0;
    for (int at = 0; at < dir.stuffed.length; at += length(area, at)) {
      last = at;
    }
    area.putShort(last + LENGTH, (short) (area.capacity() - last));
    tx.change(leaf);
    dir.stuffed = null;
    dir.height = 1;
    dir.map.add(0, r.start(), 1);
    dir.size = blockSize;
    dir.addBlocks(1);
    slack[0] = slackOf(area);
  }

  private int addLeaf(FsTransaction tx, Allocator allocator) throws IOException {
    int i = areaCount();
    Allocator.Run r = allocator.blocks(tx, dir.map.goal(i, dir.ino() + 1), 1);
    BufferCache.Buffer leaf = cache.fresh(r.start(), dir.glock());
    MetadataHeader.start(leaf.data, MetadataType.DIRECTORY_LEAF, r.start());
    leaf.data.putShort(MetadataHeader.SIZE + LENGTH, (short) (blockSize - MetadataHeader.SIZE));
    tx.change(leaf);
    dir.map.add(i, r.start(), 1);
    dir.size += blockSize;
    dir.addBlocks(1);
    slack = Arrays.copyOf(slack, i + 1);
    slack[i] = blockSize - MetadataHeader.SIZE;
    return i;
  }

  /** Removes {@code name}, which the caller found. */
  void remove(String name, FsTransaction tx) throws IOException {
    ensureIndex();
    Entry e = index.remove(name);
    int i = (int) (e.position() / blockSize);
    int pos = (int) (e.position() % blockSize);
    Area a = area(i);
    ByteBuffer area = a.bytes;
    if (pos == 0) {
      area.putLong(INO, 0).putInt(HASH, 0).put(NAME_LENGTH, (byte) 0).put(TYPE, (byte) 0);
    } else {
      int prev = 0;
      while (prev + length(area, prev) != pos) {
        prev += length(area, prev);
      }
      area.putShort(prev + LENGTH, (short) (length(area, prev) + length(area, pos)));
    }
    changed(a, tx);
    slack[i] = slackOf(area);
    dir.entries--;
  }

  /** Points existing entry {@code name} at another inode, in place: rename's atomic replace. */
  void replace(String name, long ino, FileType type, FsTransaction tx) throws IOException {
    ensureIndex();
    Entry e = index.get(name);
    int i = (int) (e.position() / blockSize);
    int pos = (int) (e.position() % blockSize);
    Area a = area(i);
    a.bytes.putLong(pos + INO, ino).put(pos + TYPE, (byte) type.direntType());
    changed(a, tx);
    index.put(name, new Entry(name, ino, type, e.position()));
  }

  /** Up to {@code max} entries at positions from {@code cookie} on, in position order. */
  List<Entry> list(long cookie, int max) throws IOException {
    ensureIndex();
    List<Entry> out = new ArrayList<>();
    int n = areaCount();
    for (int i = (int) (cookie / blockSize); i < n && out.size() < max; i++) {
      Area a = area(i);
      for (int at = 0; at < a.bytes.capacity() && out.size() < max; at += length(a.bytes, at)) {
        if ((long) i * blockSize + at >= cookie && a.bytes.getLong(at + INO) != 0) {
          out.add(entry(a.bytes, at, i));
        }
      }
    }
    return out;
  }

  /** The device blocks holding the leaves, to free with the directory. */
  List<Extent> leaves() {
    return dir.height == 0 ? List.of() : dir.map.all();
  }
}
