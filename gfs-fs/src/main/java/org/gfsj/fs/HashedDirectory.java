package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.DirectoryRecords;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.NameHash;
import org.gfsj.fs.format.RecordSearch;

/**
 * A directory past its dinode: GFS2's extendible hashing (dir.c).
 *
 * <h2>Structure</h2>
 * A {@link DirectoryHashTable} of {@code 2^depth} leaf pointers is indexed by the top
 * {@code depth} bits of a name's hash ({@link NameHash}). A leaf of depth {@code ld <= depth}
 * holds every entry whose hash has its {@code ld}-bit prefix, and the {@code 2^(depth - ld)}
 * consecutive, aligned pointers of that prefix all name it. A leaf at {@link
 * HashTableBlock#MAX_DEPTH} may have a chain of further leaves ({@code next}).
 *
 * <h2>Operations</h2>
 * Lookup reads one table block and one leaf (its chain, at the deepest level). Insert finds room
 * in the name's chain; when there is none it splits the leaf by its next hash bit into itself and
 * a new leaf, doubling the table first when the leaf is as deep as the table, and tries again; at
 * the deepest level it chains a new leaf instead. A split moves entries but never changes their
 * stored hash values, which readdir orders and resumes by, so cookies survive splits. Removal
 * frees the record; leaves never merge (as in GFS2).
 */
final class HashedDirectory {
  private final Inode dir;
  private final BufferCache cache;
  private final DirectoryHashTable table;
  private final int areaSize;

  HashedDirectory(Inode dir, BufferCache cache) {
    this.dir = dir;
    this.cache = cache;
    this.table = new DirectoryHashTable(dir, cache);
    this.areaSize = DirectoryLeaf.areaSize(cache.blockSize());
  }

  /**
   * Turns a stuffed directory with {@code entries} (their stored values kept) into a hashed one:
   * one leaf of depth 0 holding them all, named by every pointer of a table in the dinode.
   */
  void convert(List<DirectoryEntry> entries, FsTransaction tx, Allocator allocator)
      throws IOException {
    Leaf leaf = newLeaf(0, dir.ino() + 1, tx, allocator);
    DirectoryRecords.writeCompact(leaf.area, entries);
    leaf.entries(entries.size());
    dir.flags |= Dinode.FLAG_HASHED;
    table.create(leaf.address);
  }

  /** The leaves holding the hashes of {@code hash}'s prefix: a leaf and its chain. */
  private List<Leaf> chain(int hash) throws IOException {
    List<Leaf> chain = new ArrayList<>();
    long p = table.pointer(HashTableBlock.index(hash, table.depth()));
    while (p != 0) {
      Leaf l = Leaf.read(dir, cache, p);
      chain.add(l);
      if (chain.size() > 1 && l.depth() != HashTableBlock.MAX_DEPTH) {
        throw new CorruptMetadataException(p, "chained directory leaf has depth " + l.depth()
            + "; only leaves of depth " + HashTableBlock.MAX_DEPTH + " chain");
      }
      if (chain.size() > (1 << 20)) {
        throw new CorruptMetadataException(p, "directory leaf chain of directory " + dir.ino()
            + " loops");
      }
      p = l.next();
    }
    return chain;
  }

  private record Found(Leaf leaf, int at) {}

  private Found find(byte[] name) throws IOException {
    RecordSearch walk = new RecordSearch(name, NameHash.of(name));
    for (Leaf l : chain(walk.hash())) {
      if (walk.walk(l.area)) {
        return new Found(l, walk.found());
      }
    }
    return null;
  }

  /** Walks {@code name}'s chain once: where the name is, or the first leaf with room for it. */
  Directory.Search search(String name, RecordSearch walk, int version) throws IOException {
    long roomIn = -1;
    int roomAt = -1;
    for (Leaf l : chain(walk.hash())) {
      if (walk.walk(l.area)) {
        return new Directory.Search(name, version, walk, l.address, -1, -1);
      }
      if (roomIn < 0 && walk.room() >= 0) {
        roomIn = l.address;
        roomAt = walk.room();
      }
    }
    return new Directory.Search(name, version, walk, -1, roomIn, roomAt);
  }

  /** The records of leaf {@code address}, which a search found. */
  ByteBuffer area(long address) throws IOException {
    return Leaf.read(dir, cache, address).area;
  }

  /** Puts a new entry into record {@code at} of leaf {@code address}, which has room for it. */
  void insert(long address, int at, long ino, int value, byte[] name, FileType type,
      FsTransaction tx) throws IOException {
    Leaf l = Leaf.read(dir, cache, address);
    DirectoryRecords.insert(l.area, at, ino, value, name, type);
    l.entries(l.entries() + 1);
    tx.change(l.buffer);
    dir.entries++;
  }

  Directory.Entry lookup(String name) throws IOException {
    Found f = find(name.getBytes(StandardCharsets.UTF_8));
    return f == null ? null : Directory.entry(f.leaf.area, f.at);
  }

  /** Adds {@code name}; the caller checked it is not there and reserved {@link #blocksToAdd}. */
  void add(String name, long ino, FileType type, FsTransaction tx, Allocator allocator)
      throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    int hash = NameHash.of(bytes);
    int need = DirectoryRecords.need(bytes.length);
    List<Leaf> chain = chain(hash);
    int value = Directory.value(name, hash, chain.stream().map(l -> l.area).toList());
    while (true) {
      for (Leaf l : chain) {
        int at = DirectoryRecords.room(l.area, need);
        if (at >= 0) {
          DirectoryRecords.insert(l.area, at, ino, value, bytes, type);
          l.entries(l.entries() + 1);
          tx.change(l.buffer);
          dir.entries++;
          return;
        }
      }
      Leaf head = chain.get(0);
      if (head.depth() < HashTableBlock.MAX_DEPTH) {
        if (head.depth() >= table.depth()) {
          table.doubleSize(tx, allocator);
        }
        split(head, hash, tx, allocator);
        chain = chain(hash);
      } else {
        Leaf last = chain.get(chain.size() - 1);
        Leaf more = newLeaf(HashTableBlock.MAX_DEPTH, last.address, tx, allocator);
        last.next(more.address);
        tx.change(last.buffer);
        chain.add(more);
      }
    }
  }

  /**
   * Splits {@code leaf}, which holds {@code hash}'s prefix, by the next hash bit: it keeps the
   * lower half of its table range and the entries whose bit is 0; a new leaf takes the rest.
   */
  private void split(Leaf leaf, int hash, FsTransaction tx, Allocator allocator)
      throws IOException {
    int d = table.depth();
    int ld = leaf.depth();
    int span = 1 << (d - ld);
    int start = HashTableBlock.index(hash, d) & ~(span - 1);
    int half = span >> 1;
    int live = 0;
    for (int at = DirectoryRecords.nextLive(leaf.area, 0); at >= 0;
        at = DirectoryRecords.nextLive(leaf.area, DirectoryRecords.after(leaf.area, at))) {
      int i = HashTableBlock.index(DirectoryRecords.hash(leaf.area, at), d);
      if (i < start || i >= start + span) {
        throw new CorruptMetadataException(leaf.address, "directory entry '"
            + DirectoryRecords.name(leaf.area, at) + "' of directory " + dir.ino()
            + " is in the wrong leaf for its hash");
      }
      live++;
    }
    Leaf upper = newLeaf(ld + 1, leaf.address, tx, allocator);
    int moved = DirectoryRecords.split(leaf.area, upper.area,
        value -> HashTableBlock.index(value, d) >= start + half);
    leaf.entries(live - moved);
    leaf.depth(ld + 1);
    upper.entries(moved);
    tx.change(leaf.buffer);
    table.set(start + half, start + span, upper.address, tx);
  }

  private Leaf newLeaf(int depth, long goal, FsTransaction tx, Allocator allocator)
      throws IOException {
    Allocator.Run r = allocator.blocks(tx, goal, 1);
    Leaf l = Leaf.fresh(dir, cache, r.start(), depth);
    dir.addBlocks(1);
    tx.change(l.buffer);
    return l;
  }

  /**
   * The most blocks adding {@code name} can allocate: none when its chain has room, else the
   * leaves and table blocks of the splits it takes, found by splitting the leaf's entries in
   * thought, and two for the block map's growth.
   */
  long blocksToAdd(String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    int hash = NameHash.of(bytes);
    int need = DirectoryRecords.need(bytes.length);
    List<Leaf> chain = chain(hash);
    Directory.value(name, hash, chain.stream().map(l -> l.area).toList());
    for (Leaf l : chain) {
      if (DirectoryRecords.room(l.area, need) >= 0) {
        return 0;
      }
    }
    ByteBuffer area = chain.get(0).area;
    int n = 0;
    int[] hashes = new int[area.capacity() / DirectoryEntry.HEADER];
    int[] lengths = new int[hashes.length];
    for (int at = DirectoryRecords.nextLive(area, 0); at >= 0;
        at = DirectoryRecords.nextLive(area, DirectoryRecords.after(area, at))) {
      hashes[n] = DirectoryRecords.hash(area, at);
      lengths[n++] = DirectoryRecords.used(area, at);
    }
    return splitCost(hashes, lengths, n, hash, need, chain.get(0).depth(), table.depth(),
        dir.height > 0, cache.blockSize());
  }

  /**
   * Blocks the splits allocate until the leaf taking {@code hash} has room for {@code need} more
   * bytes, starting from a leaf of depth {@code ld} holding {@code entries} in a table of depth
   * {@code d} (in table blocks or not).
   */
  static long splitCost(List<DirectoryEntry> entries, int hash, int need, int ld, int d,
      boolean tableInBlocks, int blockSize) {
    int[] hashes = new int[entries.size()];
    int[] lengths = new int[entries.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = entries.get(i).hash();
      lengths[i] = entries.get(i).recordLength();
    }
    return splitCost(hashes, lengths, hashes.length, hash, need, ld, d, tableInBlocks, blockSize);
  }

  /** {@link #splitCost} of the first {@code n} entries' stored values and record lengths. */
  private static long splitCost(int[] hashes, int[] lengths, int n, int hash, int need, int ld,
      int d, boolean tableInBlocks, int blockSize) {
    int area = DirectoryLeaf.areaSize(blockSize);
    int depth = ld;
    long leaves = 0;
    while (true) {
      leaves++;
      if (depth == HashTableBlock.MAX_DEPTH) {
        break;
      }
      depth++;
      int bit = depth;
      int bytes = need;
      for (int i = 0; i < n; i++) {
        if ((hashes[i] ^ hash) >>> (32 - bit) == 0) {
          bytes += lengths[i];
        }
      }
      if (bytes <= area) {
        break;
      }
    }
    long tableBlocks = 0;
    if (depth > d) {
      tableBlocks = HashTableBlock.blocks(depth, blockSize)
          - (tableInBlocks ? HashTableBlock.blocks(d, blockSize) : 0);
    }
    return leaves + tableBlocks + 2;
  }

  /** Removes the entry at {@code at} of leaf {@code address}; {@code before} is the record before it. */
  void remove(long address, int at, int before, FsTransaction tx) throws IOException {
    Leaf l = Leaf.read(dir, cache, address);
    DirectoryRecords.remove(l.area, at, before);
    l.entries(l.entries() - 1);
    tx.change(l.buffer);
    dir.entries--;
  }

  /** Points the entry at {@code at} of leaf {@code address} at another inode. */
  void retarget(long address, int at, long ino, FileType type, FsTransaction tx)
      throws IOException {
    Leaf l = Leaf.read(dir, cache, address);
    DirectoryRecords.retarget(l.area, at, ino, type);
    tx.change(l.buffer);
  }

  /**
   * Up to {@code max} entries from position {@code cookie} on, in position order: "." and ".."
   * first, then the leaves in table order, each leaf's entries sorted by stored hash value.
   */
  List<Directory.Entry> list(long cookie, int max) throws IOException {
    List<Directory.Entry> out = new ArrayList<>();
    for (String dot : cookie < Directory.FIRST_HASHED ? new String[] {".", ".."}
        : new String[0]) {
      Directory.Entry e = lookup(dot);
      if (e != null && e.position() >= cookie && out.size() < max) {
        out.add(e);
      }
    }
    long from = Math.max(cookie, Directory.FIRST_HASHED) - Directory.FIRST_HASHED;
    if (from > 0xFFFF_FFFFL) {
      return out;
    }
    int d = table.depth();
    int i = HashTableBlock.index((int) from, d);
    while (i < 1 << d && out.size() < max) {
      long p = table.pointer(i);
      List<Directory.Entry> found = new ArrayList<>();
      int ld = -1;
      for (long a = p; a != 0; ) {
        Leaf l = Leaf.read(dir, cache, a);
        ld = ld < 0 ? l.depth() : ld;
        for (int at = DirectoryRecords.nextLive(l.area, 0); at >= 0;
            at = DirectoryRecords.nextLive(l.area, DirectoryRecords.after(l.area, at))) {
          Directory.Entry e = Directory.entry(l.area, at);
          if (e.position() >= Directory.FIRST_HASHED && e.position() - Directory.FIRST_HASHED
              >= from) {
            found.add(e);
          }
        }
        a = l.next();
      }
      if (ld > d) {
        throw new CorruptMetadataException(p, "directory leaf has depth " + ld
            + ", deeper than its directory's table (" + d + ")");
      }
      found.sort(Comparator.comparingLong(Directory.Entry::position));
      for (Directory.Entry e : found) {
        if (out.size() == max) {
          return out;
        }
        out.add(e);
      }
      int span = 1 << (d - ld);
      i = (i & ~(span - 1)) + span;
    }
    return out;
  }

  /** Frees every leaf, each chain with it: the directory is going. */
  void freeLeaves(FsTransaction tx, Allocator allocator) throws IOException {
    int d = table.depth();
    int i = 0;
    while (i < 1 << d) {
      long p = table.pointer(i);
      int ld = Leaf.read(dir, cache, p).depth();
      if (ld > d) {
        throw new CorruptMetadataException(p, "directory leaf has depth " + ld
            + ", deeper than its directory's table (" + d + ")");
      }
      for (long a = p; a != 0; ) {
        long next = Leaf.read(dir, cache, a).next();
        allocator.free(tx, a, 1, false);
        tx.revoke(a);
        dir.addBlocks(-1);
        a = next;
      }
      int span = 1 << (d - ld);
      i = (i & ~(span - 1)) + span;
    }
  }
}
