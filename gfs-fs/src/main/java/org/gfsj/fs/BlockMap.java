package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * Where a file's blocks are (GFS2's bmap): extents from file block to device block, sorted by file
 * block; blocks no extent covers are holes, which cost nothing and read as zeros, so a sparse file
 * of a terabyte with a few written blocks takes a few extents.
 *
 * <h2>Heights</h2>
 * <ul>
 *   <li>0: stuffed, the dinode's data area is the contents (kept by {@link Inode}, not here);
 *   <li>1: the data area holds up to {@link Dinode#maxExtents} extents;
 *   <li>2: the data area holds index records, one per extent block: an {@link Extent} whose
 *       {@code logical} is the first file block the extent block maps, {@code physical} the extent
 *       block's address and {@code length} how many extents it holds. An extent block is a
 *       metadata block (type {@link MetadataType#EXTENT_BLOCK}) with a u32 count at byte 24 and
 *       extents from byte 32.
 * </ul>
 * The map is held whole in memory while the inode is cached; {@link #encode} lays it out again at
 * each save, choosing the height from the number of extents.
 */
final class BlockMap {
  static final int EXTENTS_OFFSET = 32;

  private final TreeMap<Long, Extent> extents = new TreeMap<>();
  /** The extent blocks of a height-2 map, in order. */
  private final List<Long> extentBlocks = new ArrayList<>();

  static int extentsPerBlock(int blockSize) {
    return (blockSize - EXTENTS_OFFSET) / Extent.SIZE;
  }

  /** Loads the map of dinode {@code d} held in {@code block}. */
  void load(Dinode d, ByteBuffer block, BufferCache cache, Glock glock) throws IOException {
    extents.clear();
    extentBlocks.clear();
    if (d.height() == 1) {
      for (Extent e : d.decodeExtents(block)) {
        put(e, d.address());
      }
    } else if (d.height() == 2) {
      for (Extent index : d.decodeExtents(block)) {
        BufferCache.Buffer eb = cache.read(index.physical(), glock,
            (b, a) -> MetadataHeader.check(b, MetadataType.EXTENT_BLOCK, a));
        int count = eb.data.getInt(24);
        if (count != index.length() || count > extentsPerBlock(block.capacity())) {
          throw new CorruptMetadataException(index.physical(), "extent block holds " + count
              + " extents but its dinode " + d.address() + " says " + index.length());
        }
        for (int i = 0; i < count; i++) {
          put(Extent.decode(eb.data, EXTENTS_OFFSET + i * Extent.SIZE, index.physical()),
              index.physical());
        }
        extentBlocks.add(index.physical());
      }
    }
  }

  private void put(Extent e, long block) throws CorruptMetadataException {
    Map.Entry<Long, Extent> before = extents.floorEntry(e.logical() + e.length() - 1);
    if (before != null && before.getValue().logical() + before.getValue().length() > e.logical()) {
      throw new CorruptMetadataException(block, "extents overlap at file block " + e.logical());
    }
    extents.put(e.logical(), e);
  }

  boolean isEmpty() {
    return extents.isEmpty();
  }

  int size() {
    return extents.size();
  }

  /** The extent covering file block {@code logical}, or null in a hole. */
  Extent find(long logical) {
    Map.Entry<Long, Extent> e = extents.floorEntry(logical);
    if (e == null || e.getValue().logical() + e.getValue().length() <= logical) {
      return null;
    }
    return e.getValue();
  }

  /** The first file block at or after {@code logical} that an extent maps, or -1. */
  long nextMapped(long logical) {
    Extent at = find(logical);
    if (at != null) {
      return logical;
    }
    Long next = extents.higherKey(logical);
    return next == null ? -1 : next;
  }

  /** Where a new block for file block {@code logical} is best looked for: after its neighbour. */
  long goal(long logical, long fallback) {
    Map.Entry<Long, Extent> e = extents.lowerEntry(logical);
    if (e == null) {
      return fallback;
    }
    Extent x = e.getValue();
    return x.physical() + (logical - x.logical());
  }

  /** Maps {@code length} file blocks from {@code logical} to device blocks from {@code physical}. */
  void add(long logical, long physical, int length) {
    add(logical, physical, length, 0);
  }

  /**
   * Maps {@code length} file blocks from {@code logical} to device blocks from {@code physical},
   * with {@link Extent#UNWRITTEN} in {@code flags} for blocks that are allocated but read as zeros;
   * joins a neighbour that continues it on the device with the same flags.
   */
  void add(long logical, long physical, int length, int flags) {
    Extent e = new Extent(logical, physical, length, flags);
    Map.Entry<Long, Extent> prev = extents.lowerEntry(logical);
    if (prev != null) {
      Extent p = prev.getValue();
      if (p.flags() == flags && p.logical() + p.length() == logical
          && p.physical() + p.length() == physical && (long) p.length() + length < Integer.MAX_VALUE) {
        extents.remove(p.logical());
        e = new Extent(p.logical(), p.physical(), p.length() + length, flags);
      }
    }
    Extent next = extents.get(logical + length);
    if (next != null && next.flags() == flags && e.physical() + e.length() == next.physical()
        && (long) e.length() + next.length() < Integer.MAX_VALUE) {
      extents.remove(next.logical());
      e = new Extent(e.logical(), e.physical(), e.length() + next.length(), flags);
    }
    extents.put(e.logical(), e);
  }

  /**
   * Gives the mapped blocks among file blocks {@code first} to {@code end} - 1 the flags
   * {@code flags}, splitting extents that straddle the range; holes stay holes. Returns whether
   * any block changed.
   */
  boolean setFlags(long first, long end, int flags) {
    List<Extent> over = new ArrayList<>();
    Map.Entry<Long, Extent> straddle = extents.lowerEntry(first);
    if (straddle != null && straddle.getValue().logical() + straddle.getValue().length() > first) {
      over.add(straddle.getValue());
    }
    over.addAll(extents.subMap(first, true, end, false).values());
    boolean changed = false;
    for (Extent e : over) {
      if (e.flags() == flags) {
        continue;
      }
      changed = true;
      extents.remove(e.logical());
      long eEnd = e.logical() + e.length();
      long from = Math.max(first, e.logical());
      long to = Math.min(end, eEnd);
      if (e.logical() < from) {
        extents.put(e.logical(), new Extent(e.logical(), e.physical(), (int) (from - e.logical()),
            e.flags()));
      }
      if (to < eEnd) {
        extents.put(to, new Extent(to, e.physical() + (to - e.logical()), (int) (eEnd - to),
            e.flags()));
      }
      add(from, e.physical() + (from - e.logical()), (int) (to - from), flags);
    }
    return changed;
  }

  /** Unmaps every file block from {@code logical} on; returns the device runs no longer used. */
  List<Extent> truncate(long logical) {
    List<Extent> removed = new ArrayList<>();
    Map.Entry<Long, Extent> straddle = extents.lowerEntry(logical);
    if (straddle != null) {
      Extent s = straddle.getValue();
      long keep = logical - s.logical();
      if (keep < s.length()) {
        extents.put(s.logical(), new Extent(s.logical(), s.physical(), (int) keep, s.flags()));
        removed.add(new Extent(logical, s.physical() + keep, (int) (s.length() - keep),
            s.flags()));
      }
    }
    Map<Long, Extent> tail = extents.tailMap(logical, true);
    removed.addAll(tail.values());
    tail.clear();
    return removed;
  }

  /** Unmaps file blocks {@code first} to {@code end} - 1; returns the device runs freed. */
  List<Extent> unmap(long first, long end) {
    if (first >= end) {
      return List.of();
    }
    List<Extent> tail = truncate(first);
    List<Extent> removed = new ArrayList<>();
    for (Extent e : tail) {
      long eEnd = e.logical() + e.length();
      if (eEnd <= end) {
        removed.add(e);
      } else if (e.logical() >= end) {
        extents.put(e.logical(), e);
      } else {
        int cut = (int) (end - e.logical());
        removed.add(new Extent(e.logical(), e.physical(), cut, e.flags()));
        extents.put(end, new Extent(end, e.physical() + cut, e.length() - cut, e.flags()));
      }
    }
    return removed;
  }

  /** Every extent, in file order. */
  List<Extent> all() {
    return List.copyOf(extents.values());
  }

  List<Long> extentBlocks() {
    return List.copyOf(extentBlocks);
  }

  /**
   * Lays the map out for a save: returns the data-area bytes and the height, writing extent blocks
   * (allocated or freed as the count needs) when the dinode's area is not enough.
   */
  Encoded encode(Inode inode, FsTransaction tx, Allocator allocator, BufferCache cache)
      throws IOException {
    int bs = cache.blockSize();
    int inArea = Dinode.maxExtents(bs);
    List<Extent> list = new ArrayList<>(extents.values());
    if (list.size() <= inArea) {
      releaseExtentBlocks(0, inode, tx, allocator);
      return new Encoded(1, list);
    }
    int per = extentsPerBlock(bs);
    int needed = (list.size() + per - 1) / per;
    if (needed > inArea) {
      throw new FsException(Errno.EFBIG, "inode " + inode.ino() + " needs " + list.size()
          + " extents, more than two levels of the block map hold; the file is too fragmented");
    }
    while (extentBlocks.size() < needed) {
      Allocator.Run r = allocator.blocks(tx, inode.goal(), 1);
      extentBlocks.add(r.start());
      inode.addBlocks(1);
    }
    releaseExtentBlocks(needed, inode, tx, allocator);
    List<Extent> index = new ArrayList<>();
    for (int k = 0; k < needed; k++) {
      List<Extent> chunk = list.subList(k * per, Math.min(list.size(), (k + 1) * per));
      long address = extentBlocks.get(k);
      BufferCache.Buffer eb = cache.fresh(address, inode.glock());
      MetadataHeader.start(eb.data, MetadataType.EXTENT_BLOCK, address);
      eb.data.putInt(24, chunk.size());
      for (int i = 0; i < chunk.size(); i++) {
        chunk.get(i).encode(eb.data, EXTENTS_OFFSET + i * Extent.SIZE);
      }
      tx.change(eb);
      index.add(new Extent(chunk.get(0).logical(), address, chunk.size(), 0));
    }
    return new Encoded(2, index);
  }

  /** Frees extent blocks from position {@code keep} on. */
  void releaseExtentBlocks(int keep, Inode inode, FsTransaction tx, Allocator allocator)
      throws IOException {
    while (extentBlocks.size() > keep) {
      long b = extentBlocks.remove(extentBlocks.size() - 1);
      allocator.free(tx, b, 1, false);
      tx.revoke(b);
      inode.addBlocks(-1);
    }
  }

  /** The data-area contents of a save: the height and the extents or index records it holds. */
  record Encoded(int height, List<Extent> records) {
    ByteBuffer bytes() {
      ByteBuffer b = ByteBuffer.allocate(records.size() * Extent.SIZE);
      for (int i = 0; i < records.size(); i++) {
        records.get(i).encode(b, i * Extent.SIZE);
      }
      return b;
    }
  }
}
