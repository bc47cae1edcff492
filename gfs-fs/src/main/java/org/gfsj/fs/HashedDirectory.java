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
    for (Leaf l : chain(NameHash.of(name))) {
      int at = DirectoryRecords.find(l.area, name);
      if (at >= 0) {
        return new Found(l, at);
      }
    }
    return null;
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
    Leaf upper = newLeaf(ld + 1, leaf.address, tx, allocator);
    List<DirectoryEntry> stay = new ArrayList<>();
    List<DirectoryEntry> move = new ArrayList<>();
    for (int at = DirectoryRecords.nextLive(leaf.area, 0); at >= 0;
        at = DirectoryRecords.nextLive(leaf.area, DirectoryRecords.after(leaf.area, at))) {
      DirectoryEntry e = DirectoryRecords.entry(leaf.area, at);
      int i = HashTableBlock.index(e.hash(), d);
      if (i < start || i >= start + span) {
        throw new CorruptMetadataException(leaf.address, "directory entry '" + e.name()
            + "' of directory " + dir.ino() + " is in the wrong leaf for its hash");
      }
      (i >= start + half ? move : stay).add(e);
    }
    DirectoryRecords.writeCompact(leaf.area, stay);
    leaf.entries(stay.size());
    leaf.depth(ld + 1);
    DirectoryRecords.writeCompact(upper.area, move);
    upper.entries(move.size());
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
    List<DirectoryEntry> entries = new ArrayList<>();
    ByteBuffer area = chain.get(0).area;
    for (int at = DirectoryRecords.nextLive(area, 0); at >= 0;
        at = DirectoryRecords.nextLive(area, DirectoryRecords.after(area, at))) {
      entries.add(DirectoryRecords.entry(area, at));
    }
    return splitCost(entries, hash, need, chain.get(0).depth(), table.depth(), dir.height > 0,
        cache.blockSize());
  }

  /**
   * Blocks the splits allocate until the leaf taking {@code hash} has room for {@code need} more
   * bytes, starting from a leaf of depth {@code ld} holding {@code entries} in a table of depth
   * {@code d} (in table blocks or not).
   */
  static long splitCost(List<DirectoryEntry> entries, int hash, int need, int ld, int d,
      boolean tableInBlocks, int blockSize) {
    int area = DirectoryLeaf.areaSize(blockSize);
    int depth = ld;
    long leaves = 0;
    List<DirectoryEntry> set = entries;
    while (true) {
      leaves++;
      if (depth == HashTableBlock.MAX_DEPTH) {
        break;
      }
      depth++;
      int bit = depth;
      set = set.stream().filter(e -> (e.hash() ^ hash) >>> (32 - bit) == 0).toList();
      if (set.stream().mapToInt(DirectoryEntry::recordLength).sum() + need <= area) {
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

  void remove(String name, FsTransaction tx) throws IOException {
    Found f = found(name);
    DirectoryRecords.remove(f.leaf.area, f.at);
    f.leaf.entries(f.leaf.entries() - 1);
    tx.change(f.leaf.buffer);
    dir.entries--;
  }

  void replace(String name, long ino, FileType type, FsTransaction tx) throws IOException {
    Found f = found(name);
    DirectoryRecords.retarget(f.leaf.area, f.at, ino, type);
    tx.change(f.leaf.buffer);
  }

  private Found found(String name) throws IOException {
    Found f = find(name.getBytes(StandardCharsets.UTF_8));
    if (f == null) {
      throw new IllegalStateException("directory " + dir.ino() + " has no '" + name
          + "', which the caller found");
    }
    return f;
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
