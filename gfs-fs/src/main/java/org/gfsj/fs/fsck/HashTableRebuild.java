package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.DirectoryRecords;
import org.gfsj.fs.format.HashTableBlock;

/**
 * Rebuilds the hash table of a hashed directory whose table is damaged (a table block that does
 * not read back, a pointer that leads to no leaf of the directory, runs of pointers that disagree
 * with their leaves' depths) from the entries of its leaves, as fsck.gfs2 rebuilds a directory's
 * hash table from its leaf blocks.
 *
 * <h2>Finding the leaves</h2>
 * The chains the readable pointers name; and when a table block does not read back or a pointer
 * leads nowhere, every in-use block of the filesystem that is a leaf of this directory. A leaf's
 * header carries its own address and its directory's, so a copy of a leaf inside some file's data
 * does not pass for one.
 *
 * <h2>Laying the entries out again</h2>
 * The entries keep their stored hash values (readdir cookies stay valid) and are laid out over the
 * same leaf blocks top-down, as splits would have placed them: a hash prefix whose entries fit one
 * leaf gets one leaf of that depth, named by its aligned run of pointers; one that does not is
 * split by its next bit; at the deepest level a leaf chains. In an intact directory every prefix
 * was covered by leaves holding all its entries, so the old leaves are enough; leaves left over are
 * no longer part of the directory, and pass 5 frees them. The table keeps its depth and its blocks.
 * Nothing is written unless the whole layout succeeds.
 */
final class HashTableRebuild {
  private final FileSystemReader fs;
  private final Groups groups;
  private final MetadataRepairs repairs;
  private final int bs;
  private final int areaSize;

  HashTableRebuild(FileSystemReader fs, Groups groups, MetadataRepairs repairs) {
    this.fs = fs;
    this.groups = groups;
    this.repairs = repairs;
    this.bs = fs.superBlock().blockSize();
    this.areaSize = DirectoryLeaf.areaSize(bs);
  }

  /** A leaf laid out anew: its block and image. */
  private record NewLeaf(long address, ByteBuffer image) {}

  /**
   * Rebuilds the table of directory {@code d} (dinode block {@code dinodeBlock}); with
   * {@code scan}, looks for its leaves in every in-use block too. Returns null when it did, else
   * why it could not (and wrote nothing).
   */
  String rebuild(Dinode d, ByteBuffer dinodeBlock, boolean scan) throws IOException {
    long dir = d.address();
    int depth = HashTableBlock.depthOfSize(d.size());
    if (depth < 0 || (d.height() == 0 && d.size() > Dinode.dataAreaSize(bs))) {
      return "its size " + d.size() + " is no hash table's size";
    }
    List<Long> tableBlocks = List.of();
    if (d.height() > 0) {
      try {
        tableBlocks = fs.mappedBlocks(d, dinodeBlock);
      } catch (CorruptMetadataException e) {
        return "its block map does not read back (" + e.getMessage() + ")";
      }
      if (tableBlocks.size() != HashTableBlock.blocks(depth, bs)) {
        return "it maps " + tableBlocks.size() + " table blocks where depth " + depth
            + " takes " + HashTableBlock.blocks(depth, bs);
      }
    }
    TreeSet<Long> leaves = new TreeSet<>();
    for (long p : readablePointers(d, dinodeBlock, tableBlocks)) {
      for (long a = p; a != 0 && !leaves.contains(a); ) {
        ByteBuffer l = leafOf(a, dir);
        if (l == null) {
          break;
        }
        leaves.add(a);
        a = DirectoryLeaf.next(l);
      }
    }
    if (scan) {
      scanForLeaves(dir, leaves);
    }
    Map<String, DirectoryEntry> entries = new LinkedHashMap<>();
    for (long leaf : leaves) {
      try {
        for (DirectoryEntry e : DirectoryEntry.readLinear(DirectoryLeaf.area(fs.block(leaf)),
            leaf)) {
          entries.putIfAbsent(e.name(), e);
        }
      } catch (CorruptMetadataException e) {
        // its records are damaged: its entries are lost, their inodes go to lost+found
      }
    }
    if (leaves.isEmpty()) {
      return "no leaf of it was found";
    }
    long[] table = new long[1 << depth];
    List<NewLeaf> laid = new ArrayList<>();
    String failed = place(dir, 0, 0, depth, new ArrayList<>(entries.values()),
        new ArrayDeque<>(leaves), table, laid);
    if (failed != null) {
      return failed;
    }
    for (NewLeaf l : laid) {
      repairs.write(l.address(), l.image());
    }
    writeTable(dir, dinodeBlock, tableBlocks, table);
    return null;
  }

  /** The pointers of the table blocks (or dinode area) that read back. */
  private List<Long> readablePointers(Dinode d, ByteBuffer dinodeBlock, List<Long> tableBlocks)
      throws IOException {
    List<Long> out = new ArrayList<>();
    int count = (int) (d.size() / 8);
    if (d.height() == 0) {
      ByteBuffer area = Dinode.dataArea(dinodeBlock);
      for (int i = 0; i < count; i++) {
        out.add(area.getLong(8 * i));
      }
      return out;
    }
    int per = HashTableBlock.perBlock(bs);
    for (int k = 0; k < tableBlocks.size(); k++) {
      ByteBuffer tb = fs.block(tableBlocks.get(k));
      try {
        HashTableBlock.check(tb, tableBlocks.get(k));
      } catch (CorruptMetadataException e) {
        continue;
      }
      for (int j = 0; j < per && k * per + j < count; j++) {
        out.add(HashTableBlock.pointer(tb, j));
      }
    }
    return out;
  }

  /** Block {@code a} if it is a sound leaf of directory {@code dir}, else null. */
  private ByteBuffer leafOf(long a, long dir) throws IOException {
    if (!groups.inDataArea(a, 1)) {
      return null;
    }
    ByteBuffer l = fs.block(a);
    try {
      DirectoryLeaf.check(l, a);
    } catch (CorruptMetadataException e) {
      return null;
    }
    return DirectoryLeaf.owner(l) == dir ? l : null;
  }

  private void scanForLeaves(long dir, TreeSet<Long> leaves) throws IOException {
    UnwrittenBlocks unwritten = UnwrittenBlocks.of(fs, groups);
    groups.eachBlock(fs, EnumSet.of(BlockState.USED), a -> {
      if (!leaves.contains(a) && !unwritten.contains(a) && leafOf(a, dir) != null) {
        leaves.add(a);
      }
    });
  }

  /**
   * Lays out {@code entries}, whose hashes share the {@code ld}-bit prefix {@code prefix}, over
   * leaves taken from {@code pool}; returns null, or why it cannot.
   */
  private String place(long dir, int prefix, int ld, int depth, List<DirectoryEntry> entries,
      Deque<Long> pool, long[] table, List<NewLeaf> laid) {
    int bytes = entries.stream().mapToInt(DirectoryEntry::recordLength).sum();
    if (bytes > areaSize && ld < depth) {
      List<DirectoryEntry> low = new ArrayList<>();
      List<DirectoryEntry> high = new ArrayList<>();
      for (DirectoryEntry e : entries) {
        (HashTableBlock.index(e.hash(), ld + 1) == 2 * prefix ? low : high).add(e);
      }
      String failed = place(dir, 2 * prefix, ld + 1, depth, low, pool, table, laid);
      return failed != null ? failed : place(dir, 2 * prefix + 1, ld + 1, depth, high, pool,
          table, laid);
    }
    if (bytes > areaSize && ld < HashTableBlock.MAX_DEPTH) {
      return "the entries of hash prefix " + prefix + " fill more than one leaf at the table's"
          + " depth " + depth;
    }
    // one leaf, or a chain at the deepest level, each filled as far as its area goes
    List<List<DirectoryEntry>> chunks = new ArrayList<>();
    List<DirectoryEntry> chunk = new ArrayList<>();
    int used = 0;
    for (DirectoryEntry e : entries) {
      if (used + e.recordLength() > areaSize) {
        chunks.add(chunk);
        chunk = new ArrayList<>();
        used = 0;
      }
      chunk.add(e);
      used += e.recordLength();
    }
    chunks.add(chunk);
    if (pool.size() < chunks.size()) {
      return "its entries need more leaves than the directory has";
    }
    List<Long> addresses = new ArrayList<>();
    for (int k = 0; k < chunks.size(); k++) {
      addresses.add(pool.poll());
    }
    for (int k = 0; k < chunks.size(); k++) {
      ByteBuffer image = ByteBuffer.allocate(bs);
      long address = addresses.get(k);
      DirectoryLeaf.start(image, address, ld, dir);
      DirectoryLeaf.next(image, k + 1 < chunks.size() ? addresses.get(k + 1) : 0);
      DirectoryRecords.writeCompact(DirectoryLeaf.area(image), chunks.get(k));
      DirectoryLeaf.entries(image, chunks.get(k).size());
      laid.add(new NewLeaf(address, image));
    }
    int span = 1 << (depth - ld);
    for (int i = prefix * span; i < (prefix + 1) * span; i++) {
      table[i] = addresses.get(0);
    }
    return null;
  }

  private void writeTable(long dir, ByteBuffer dinodeBlock, List<Long> tableBlocks,
      long[] table) throws IOException {
    if (tableBlocks.isEmpty()) {
      for (int i = 0; i < table.length; i++) {
        dinodeBlock.putLong(Dinode.DATA_OFFSET + 8 * i, table[i]);
      }
      repairs.write(dir, dinodeBlock);
      return;
    }
    int per = HashTableBlock.perBlock(bs);
    for (int k = 0; k < tableBlocks.size(); k++) {
      ByteBuffer tb = ByteBuffer.allocate(bs);
      HashTableBlock.start(tb, tableBlocks.get(k));
      for (int j = 0; j < per && k * per + j < table.length; j++) {
        HashTableBlock.pointer(tb, j, table[k * per + j]);
      }
      repairs.write(tableBlocks.get(k), tb);
    }
  }
}
