package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.DirectoryRecords;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.NameHash;
import org.gfsj.fs.format.RecordSearch;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * A directory's entries (GFS2's dir.c): what the mount calls to look up, add, remove and list.
 *
 * <h2>Two layouts</h2>
 * A small directory is stuffed: its dinode's data area is one chain of {@link DirectoryRecords}.
 * When a new entry finds no room there, the directory becomes hashed ({@link HashedDirectory}):
 * its entries move to a first leaf block and the data area holds a hash table of leaf pointers
 * instead, marked by the dinode's hashed flag. It never goes back.
 *
 * <h2>Positions and readdir cookies</h2>
 * Every entry stores a hash value unique in its directory that never changes while it exists
 * ({@link NameHash}). An entry's position is 0 for ".", 1 for "..", and {@code 2 + value} (as
 * an unsigned number) for the others, in both layouts; readdir lists entries by position and
 * gives each the cookie {@code position + 1}, and a listing resumed from a cookie lists the
 * positions from it on. Positions are a total order no insert, removal, split or conversion
 * changes, so a resumed listing neither skips nor repeats an entry that stayed, even across
 * names whose hashes collide.
 */
final class Directory {
  /** One entry and its position. */
  record Entry(String name, long ino, FileType type, long position) {}

  /** The position of the entry with the smallest hash value. */
  static final long FIRST_HASHED = 2;

  private final Inode dir;
  private final BufferCache cache;
  private boolean stuffedChecked;
  private HashedDirectory hashed;
  /**
   * The newest search, which later calls for the same name reuse while no entry changed ({@code
   * version}): the kernel's negative LOOKUP and then the create's own lookup, {@link
   * #blocksToAdd} and {@link #add}, or an unlink's lookup and {@link #remove}, walk the name's
   * leaf once between them. It keeps leaf addresses, not buffers, so it stays right across
   * operations: a leaf dropped from the cache is read again, unchanged.
   */
  private Search last;
  private int version;

  Directory(Inode dir, BufferCache cache) {
    this.dir = dir;
    this.cache = cache;
  }

  static long position(String name, int value) {
    return switch (name) {
      case "." -> 0;
      case ".." -> 1;
      default -> FIRST_HASHED + Integer.toUnsignedLong(value);
    };
  }

  static Entry entry(ByteBuffer area, int at) {
    String name = DirectoryRecords.name(area, at);
    return new Entry(name, DirectoryRecords.inode(area, at), DirectoryRecords.type(area, at),
        position(name, DirectoryRecords.hash(area, at)));
  }

  /**
   * The hash value a new entry {@code name} stores: its hash, unless an entry in {@code areas}
   * (every area that holds its hash prefix) stores that already ({@link NameHash#unique}).
   */
  static int value(String name, int hash, List<ByteBuffer> areas) throws FsException {
    long v = NameHash.unique(hash, x -> areas.stream()
        .anyMatch(a -> DirectoryRecords.holdsValue(a, x)));
    if (v == NameHash.NONE_FREE) {
      throw new FsException(Errno.ENOSPC, "no hash value left for '" + name + "': 65,536 names"
          + " in this directory share its hash's top 16 bits");
    }
    return (int) v;
  }

  private boolean isHashed() {
    return (dir.flags & Dinode.FLAG_HASHED) != 0;
  }

  private HashedDirectory hashed() {
    if (hashed == null) {
      hashed = new HashedDirectory(dir, cache);
    }
    return hashed;
  }

  /** The stuffed chain, checked once so that no walk can run off it. */
  private ByteBuffer stuffed() throws IOException {
    ByteBuffer area = ByteBuffer.wrap(dir.stuffed);
    if (!stuffedChecked) {
      DirectoryRecords.check(area, dir.ino());
      stuffedChecked = true;
    }
    return area;
  }

  /**
   * A walk of the directory for {@code name}: the leaf holding it ({@code foundIn}, 0 for the
   * stuffed area, -1 if none), else the first leaf with room for it ({@code roomIn}, -1 if none)
   * and the record there ({@code roomAt}).
   */
  record Search(String name, int version, RecordSearch walk, long foundIn, long roomIn,
      int roomAt) {
    /** Whether the name can go into {@code roomIn} with its own hash, without growth. */
    boolean fitsAsIs() {
      return foundIn < 0 && roomIn >= 0 && !walk.hashStored();
    }
  }

  private Search search(String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    RecordSearch walk = new RecordSearch(bytes, NameHash.of(bytes));
    Search s;
    if (isHashed()) {
      s = hashed().search(name, walk, version);
    } else if (walk.walk(stuffed())) {
      s = new Search(name, version, walk, 0, -1, -1);
    } else {
      s = new Search(name, version, walk, -1, walk.room() >= 0 ? 0 : -1, walk.room());
    }
    last = s;
    return s;
  }

  /** The last search if it was for {@code name} and nothing changed since, else a new one. */
  private Search current(String name) throws IOException {
    Search s = last;
    return s != null && s.version == version && s.name.equals(name) ? s : search(name);
  }

  /** Every change of the entries makes the kept search stale. */
  private void changing() {
    version++;
    last = null;
  }

  Entry lookup(String name) throws IOException {
    Search s = current(name);
    if (s.foundIn < 0) {
      return null;
    }
    ByteBuffer area = s.foundIn == 0 ? stuffed() : hashed().area(s.foundIn);
    return entry(area, s.walk.found());
  }

  /** Entries, "." and ".." included. */
  int entryCount() {
    return dir.entries;
  }

  /**
   * The most blocks {@link #add} of {@code name} may allocate, for the caller's reservation:
   * 0 while there is room, more when the directory converts or a leaf splits.
   */
  long blocksToAdd(String name) throws IOException {
    if (current(name).fitsAsIs()) {
      return 0;
    }
    if (isHashed()) {
      return hashed().blocksToAdd(name);
    }
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    int need = DirectoryRecords.need(bytes.length);
    ByteBuffer area = stuffed();
    value(name, NameHash.of(bytes), List.of(area));
    if (DirectoryRecords.room(area, need) >= 0) {
      return 0;
    }
    List<DirectoryEntry> entries = DirectoryEntry.readLinear(area, dir.ino());
    int bs = cache.blockSize();
    boolean fits = DirectoryEntry.linearSize(entries) + need
        <= DirectoryLeaf.areaSize(bs);
    return 1 + (fits ? 0 : HashedDirectory.splitCost(entries, NameHash.of(bytes), need, 0,
        HashTableBlock.stuffedDepth(bs), false, bs));
  }

  /** Adds {@code name}; the caller checked it is not there and reserved {@link #blocksToAdd}. */
  void add(String name, long ino, FileType type, FsTransaction tx, Allocator allocator)
      throws IOException {
    Search s = current(name);
    changing();
    if (s.fitsAsIs()) {
      RecordSearch w = s.walk;
      if (s.roomIn == 0) {
        DirectoryRecords.insert(stuffed(), s.roomAt, ino, w.hash(), w.name(), type);
        dir.entries++;
      } else {
        hashed().insert(s.roomIn, s.roomAt, ino, w.hash(), w.name(), type, tx);
      }
      return;
    }
    if (isHashed()) {
      hashed().add(name, ino, type, tx, allocator);
      return;
    }
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer area = stuffed();
    int at = DirectoryRecords.room(area, DirectoryRecords.need(bytes.length));
    if (at < 0) {
      hashed().convert(DirectoryEntry.readLinear(area, dir.ino()), tx, allocator);
      hashed().add(name, ino, type, tx, allocator);
      return;
    }
    int value = value(name, NameHash.of(bytes), List.of(area));
    DirectoryRecords.insert(area, at, ino, value, bytes, type);
    dir.entries++;
  }

  /** The search for {@code name}, which the caller found. */
  private Search existing(String name) throws IOException {
    Search s = current(name);
    if (s.foundIn < 0) {
      throw new IllegalStateException("directory " + dir.ino() + " has no '" + name
          + "', which the caller found");
    }
    return s;
  }

  /** Removes {@code name}, which the caller found. */
  void remove(String name, FsTransaction tx) throws IOException {
    Search s = existing(name);
    changing();
    if (s.foundIn == 0) {
      DirectoryRecords.remove(stuffed(), s.walk.found(), s.walk.before());
      dir.entries--;
    } else {
      hashed().remove(s.foundIn, s.walk.found(), s.walk.before(), tx);
    }
  }

  /** Points existing entry {@code name} at another inode, in place: rename's atomic replace. */
  void replace(String name, long ino, FileType type, FsTransaction tx) throws IOException {
    Search s = existing(name);
    changing();
    if (s.foundIn == 0) {
      DirectoryRecords.retarget(stuffed(), s.walk.found(), ino, type);
    } else {
      hashed().retarget(s.foundIn, s.walk.found(), ino, type, tx);
    }
  }

  /** Up to {@code max} entries at positions from {@code cookie} on, in position order. */
  List<Entry> list(long cookie, int max) throws IOException {
    if (isHashed()) {
      return hashed().list(cookie, max);
    }
    ByteBuffer area = stuffed();
    List<Entry> all = new ArrayList<>();
    for (int at = DirectoryRecords.nextLive(area, 0); at >= 0;
        at = DirectoryRecords.nextLive(area, DirectoryRecords.after(area, at))) {
      Entry e = entry(area, at);
      if (e.position() >= cookie) {
        all.add(e);
      }
    }
    all.sort(Comparator.comparingLong(Entry::position));
    return all.size() > max ? all.subList(0, max) : all;
  }

  /** Frees a hashed directory's leaves (its table goes with its block map): it is going. */
  void freeLeaves(FsTransaction tx, Allocator allocator) throws IOException {
    changing();
    if (dir.isDirectory() && isHashed()) {
      hashed().freeLeaves(tx, allocator);
    }
  }
}
