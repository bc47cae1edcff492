package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.Extent;

/**
 * The blocks that files map as unwritten (fallocated, never written). Nothing cleared them, so
 * they hold whatever their former owner left there, which may be a leaf of a deleted directory
 * that looks like one of a directory born later at the same address. A scan for a directory's
 * lost leaves must not take them.
 */
final class UnwrittenBlocks {
  /**
   * First block of each unwritten run to the block after it, runs joined where they overlap
   * (only a damaged filesystem maps a block twice).
   */
  private final TreeMap<Long, Long> runs = new TreeMap<>();

  private UnwrittenBlocks() {}

  /** Reads every dinode (live or unlinked) that the bitmaps name, and its map. */
  static UnwrittenBlocks of(FileSystemReader fs, Groups groups) throws IOException {
    UnwrittenBlocks u = new UnwrittenBlocks();
    List<long[]> found = new ArrayList<>();
    groups.eachBlock(fs, EnumSet.of(BlockState.DINODE, BlockState.UNLINKED),
        address -> addUnwrittenOf(fs, address, found));
    found.sort(Comparator.comparingLong(r -> r[0]));
    long[] open = null;
    for (long[] r : found) {
      if (open != null && r[0] <= open[1]) {
        open[1] = Math.max(open[1], r[1]);
      } else {
        if (open != null) {
          u.runs.put(open[0], open[1]);
        }
        open = r.clone();
      }
    }
    if (open != null) {
      u.runs.put(open[0], open[1]);
    }
    return u;
  }

  /** Adds the unwritten runs of the dinode at {@code address} to {@code found}. */
  private static void addUnwrittenOf(FileSystemReader fs, long address, List<long[]> found)
      throws IOException {
    try {
      ByteBuffer b = fs.block(address);
      Dinode d = Dinode.decode(b, address);
      if (d.height() == 0) {
        return;
      }
      for (Extent e : fs.dataExtents(d, b)) {
        if (e.unwritten()) {
          found.add(new long[] {e.physical(), e.physical() + e.length()});
        }
      }
    } catch (CorruptMetadataException e) {
      // a damaged dinode or map: the walk reports it; what it maps is unknown here
    }
  }

  boolean contains(long block) {
    Map.Entry<Long, Long> run = runs.floorEntry(block);
    return run != null && block < run.getValue();
  }
}
