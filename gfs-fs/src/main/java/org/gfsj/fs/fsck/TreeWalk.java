package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.format.XattrBlock;

/**
 * Pass 2: walks the users' tree from the root and the system tree from the master directory.
 * Every reachable dinode is decoded (CRC, type), its blocks claimed (inside a data area, not
 * claimed twice), its block count checked, and every directory entry checked against the dinode
 * it names. What it claims is what pass 5 expects the bitmaps to say; the references it counts
 * are what pass 4 expects the link counts to be.
 */
final class TreeWalk {
  private static final int EXTENT_COUNT = 24;
  private static final int EXTENT_BLOCK_HEADER = 32;
  private static final int PROGRESS_EVERY = 1024;
  private static final FileType[] TYPES = FileType.values();

  private final FileSystemReader fs;
  private final Groups groups;
  private final Findings findings;
  private final MetadataRepairs repairs;
  private final int bs;
  /** Blocks of reachable files other than their dinodes: data, extent, leaf and xattr blocks. */
  final BitSet blocks = new BitSet();
  /** Reachable dinodes. */
  final BitSet dinodes = new BitSet();
  /**
   * Per reachable dinode: its link count on disk, the references the walk found, and its type
   * (the ordinal of a {@link FileType}), so that a further link to it needs no read.
   */
  final Map<Long, int[]> links = new HashMap<>();
  /** Hashed directories' blocks other than leaves, until their leaves are counted. */
  private final Map<Long, Long> pendingBlockCounts = new HashMap<>();
  private long visited;
  /** What the root's entry "lost+found" names (0: no such entry), and as what type. */
  private long lostAndFound;
  private FileType lostAndFoundType;

  /** A directory to read, and the directory whose entry led to it. */
  private record Pending(long dir, long parent) {}

  TreeWalk(FileSystemReader fs, Groups groups, Findings findings, MetadataRepairs repairs) {
    this.fs = fs;
    this.groups = groups;
    this.findings = findings;
    this.repairs = repairs;
    this.bs = fs.superBlock().blockSize();
  }

  void run() throws IOException {
    walkFrom(fs.superBlock().rootDinode(), "root directory");
    walkFrom(fs.superBlock().masterDinode(), "master directory");
  }

  private void walkFrom(long top, String what) throws IOException {
    Dinode d = visit(top, null);
    if (d == null || d.type() != FileType.DIRECTORY) {
      findings.left("the " + what + " (block " + top + ") is not a valid directory",
          "the filesystem cannot be repaired by fsck.gfsj; restore it from a backup");
      return;
    }
    // the top directory's ".." names itself, the one reference no entry elsewhere makes
    links.get(top)[1]++;
    Deque<Pending> todo = new ArrayDeque<>();
    todo.push(new Pending(top, top));
    drain(todo);
  }

  private void drain(Deque<Pending> todo) throws IOException {
    while (!todo.isEmpty()) {
      Pending p = todo.pop();
      links.get(p.dir())[1]++; // its "."
      readDirectory(p.dir(), p.parent(), todo);
    }
  }

  /**
   * Walks {@code ino} as if a directory entry named it (pass 3 gives it one in lost+found): claims
   * its blocks, counts that entry and, for a directory, the ".." naming {@code dotDot} and the
   * subtree below it.
   */
  void adopt(long ino, long dotDot) throws IOException {
    Dinode d = visit(ino, null);
    if (d == null) {
      return;
    }
    links.get(ino)[1]++;
    if (d.type() == FileType.DIRECTORY) {
      int[] parent = links.get(dotDot);
      if (parent != null) {
        parent[1]++;
      }
      Deque<Pending> todo = new ArrayDeque<>();
      todo.push(new Pending(ino, dotDot));
      drain(todo);
    }
  }

  /** Whether the walk reached dinode {@code address}. */
  boolean reached(long address) {
    return dinodes.get(Math.toIntExact(address));
  }

  /** Whether a reached file uses block {@code address} (other than as its dinode). */
  boolean claimed(long address) {
    return blocks.get(Math.toIntExact(address));
  }

  /** A reached inode's link count as on disk. */
  int linksOnDisk(long ino) {
    return links.get(ino)[0];
  }

  /** Records a link count a repair wrote. */
  void linksOnDisk(long ino, int nlink) {
    links.get(ino)[0] = nlink;
  }

  /** The inode the root's entry "lost+found" names, 0 if there is none. */
  long lostAndFound() {
    return lostAndFound;
  }

  FileType lostAndFoundType() {
    return lostAndFoundType;
  }

  /**
   * Decodes the dinode at {@code address} the first time the walk reaches it and claims its blocks;
   * returns null (with the reason in {@code why}) if it is not a valid dinode.
   */
  private Dinode visit(long address, String[] why) throws IOException {
    Dinode d;
    try {
      if (!groups.inDataArea(address, 1)) {
        throw new CorruptMetadataException(address, "the block is outside every resource group's"
            + " data area");
      }
      d = Dinode.decode(fs.block(address), address);
    } catch (CorruptMetadataException e) {
      if (why != null) {
        why[0] = e.getMessage();
      }
      return null;
    }
    if (dinodes.get(Math.toIntExact(address))) {
      return d;
    }
    if (blocks.get(Math.toIntExact(address))) {
      findings.left("dinode " + address + " sits in a block that another file maps as its"
          + " data", "both are left as they are; copy the files out and remove the damaged one");
    }
    dinodes.set(Math.toIntExact(address));
    links.put(address, new int[] {d.nlink(), 0, d.type().ordinal()});
    // a counter, not BitSet.cardinality(): that scans the whole set, once per inode
    if (++visited % PROGRESS_EVERY == 0) {
      findings.progress("Pass 2", "inodes", visited, 0);
    }
    claimBlocks(d);
    return d;
  }

  private void claimBlocks(Dinode d) throws IOException {
    long counted = 1;
    if (d.height() > 0) {
      ByteBuffer b = fs.block(d.address());
      try {
        for (Extent e : d.decodeExtents(b)) {
          if (d.height() == 1) {
            counted += claim(d, e.physical(), e.length(), "extent");
          } else {
            counted += claim(d, e.physical(), 1, "extent block");
            counted += claimExtentBlock(d, e.physical());
          }
        }
      } catch (CorruptMetadataException e) {
        findings.left(e.getMessage(), "inode " + d.address() + "'s block map is left as it is;"
            + " copy what reads back and remove the file");
        return;
      }
    }
    if (d.xattrBlock() != 0) {
      counted += claim(d, d.xattrBlock(), 1, "extended-attribute block");
      checkXattrs(d, d.xattrBlock());
    }
    if (d.type() == FileType.DIRECTORY && d.isHashedDirectory()) {
      // its leaves are outside its block map: counted when the directory is read
      pendingBlockCounts.put(d.address(), counted);
      return;
    }
    checkBlockCount(d, counted);
  }

  private long claimExtentBlock(Dinode d, long address) throws IOException,
      CorruptMetadataException {
    ByteBuffer b = fs.block(address);
    MetadataHeader.check(b, MetadataType.EXTENT_BLOCK, address);
    int n = b.getInt(EXTENT_COUNT);
    if (n < 1 || EXTENT_BLOCK_HEADER + (long) n * Extent.SIZE > bs) {
      throw new CorruptMetadataException(address, "extent block of inode " + d.address()
          + " claims " + n + " extents");
    }
    long counted = 0;
    for (int i = 0; i < n; i++) {
      Extent e = Extent.decode(b, EXTENT_BLOCK_HEADER + i * Extent.SIZE, address);
      counted += claim(d, e.physical(), e.length(), "extent");
    }
    return counted;
  }

  /** Claims a run of blocks for {@code d}; returns how many it holds, claimed or not. */
  private long claim(Dinode d, long first, long count, String what) {
    if (!groups.inDataArea(first, count)) {
      findings.left("inode " + d.address() + " has an " + what + " of " + count + " blocks at "
          + first + " outside every resource group's data area", "the file is left as it is;"
          + " copy what reads back and remove it");
      return count;
    }
    int from = Math.toIntExact(first);
    int to = Math.toIntExact(first + count);
    int clash = blocks.nextSetBit(from);
    if ((clash >= 0 && clash < to) || overlapsDinode(from, to)) {
      findings.left("inode " + d.address() + " has an " + what + " at blocks " + first + ".."
          + (first + count - 1) + " that another file or dinode also uses", "both files are"
          + " left as they are; copy them elsewhere and remove the damaged one");
    }
    blocks.set(from, to);
    return count;
  }

  private boolean overlapsDinode(int from, int to) {
    int clash = dinodes.nextSetBit(from);
    return clash >= 0 && clash < to;
  }

  /**
   * The attribute block decodes, and each POSIX ACL in it is a valid list: a mount withdraws when
   * it loads an inode whose ACL is not, so -y removes such an ACL (the mode's bits stay, and say
   * what the owner, group class and others may do).
   */
  private void checkXattrs(Dinode d, long address) throws IOException {
    ByteBuffer b = fs.block(address);
    TreeMap<String, byte[]> attrs;
    try {
      attrs = XattrBlock.decode(b, address);
    } catch (CorruptMetadataException e) {
      findings.left(e.getMessage() + " (of inode " + d.address() + ")", "left as it is; remove"
          + " and set the file's extended attributes again");
      return;
    }
    boolean changed = false;
    for (String name : List.of(PosixAcl.ACCESS, PosixAcl.DEFAULT)) {
      byte[] value = attrs.get(name);
      if (value == null) {
        continue;
      }
      try {
        PosixAcl.decode(value);
      } catch (PosixAcl.InvalidAclException e) {
        String problem = "inode " + d.address() + "'s " + name + " is no valid ACL ("
            + e.getMessage() + ")";
        if (findings.repair()) {
          attrs.remove(name);
          changed = true;
          findings.fixed(problem, "ACL removed; the mode's permission bits stand");
        } else {
          findings.left(problem, "run fsck.gfsj -y to remove it");
        }
      }
    }
    if (changed) {
      XattrBlock.encode(b, address, attrs);
      repairs.write(address, b);
    }
  }

  /** Reads {@code dir}'s entries (its data area, or its hash table and leaves) and checks them. */
  private void readDirectory(long dir, long parent, Deque<Pending> todo) throws IOException {
    ByteBuffer b = fs.block(dir);
    Dinode d;
    try {
      d = Dinode.decode(b, dir);
      Set<Integer> values = new HashSet<>();
      if (d.isHashedDirectory()) {
        new HashedDirectoryCheck(d, b, parent, values, todo).run();
        return;
      }
      if (d.height() != 0) {
        throw new CorruptMetadataException(dir, "directory maps blocks but is not hashed");
      }
      checkDirectorySize(d, bs);
      ByteBuffer area = Dinode.dataArea(b);
      checkEntries(d, parent, dir, Dinode.DATA_OFFSET, DirectoryEntry.readLinear(area, dir),
          values, todo);
    } catch (CorruptMetadataException e) {
      findings.left(e.getMessage() + " (directory " + dir + ")", "the directory's remaining"
          + " entries are not checked; copy out what reads back and remove it");
    }
  }

  /**
   * The checks of one hashed directory: the table's runs of pointers against each leaf's depth,
   * each leaf's header, every entry in the leaf its hash leads to, and the block count with the
   * leaves included. A damaged table is rebuilt from the leaves with -y ({@link HashTableRebuild}).
   */
  private final class HashedDirectoryCheck {
    private final Dinode d;
    private ByteBuffer dinodeBlock;
    private final long parent;
    private final Set<Integer> values;
    private final Deque<Pending> todo;

    HashedDirectoryCheck(Dinode d, ByteBuffer dinodeBlock, long parent, Set<Integer> values,
        Deque<Pending> todo) {
      this.d = d;
      this.dinodeBlock = dinodeBlock;
      this.parent = parent;
      this.values = values;
      this.todo = todo;
    }

    /**
     * What the table says: each distinct leaf it names (in table order) with its first pointer,
     * chain and depth; the leaves whose runs of pointers are unsound; the problems found, and
     * whether some leaf may be named by no readable pointer (a rebuild then looks for leaves).
     * {@code table} is null when the table does not read back.
     */
    private record Table(long[] table, Map<Long, Integer> firstIndex, Map<Long, List<Long>> chains,
        Map<Long, Integer> depths, Set<Long> unsound, List<String> problems, boolean lostLeaves) {}

    /**
     * Walks the distinct leaves in table order. A damaged table is rebuilt with -y; without, a
     * run of pointers that disagrees with its leaf's depth is reported, not followed blindly:
     * every leaf the table names is still read, so that the entries of a directory with a damaged
     * table stay reachable and pass 4 frees none of their inodes.
     */
    void run() throws IOException {
      long dir = d.address();
      Table t = readTable();
      if (!t.problems().isEmpty()) {
        String failed = findings.repair()
            ? new HashTableRebuild(fs, groups, repairs).rebuild(d, dinodeBlock, t.lostLeaves())
            : "";
        for (String problem : t.problems()) {
          if (failed == null) {
            findings.fixed(problem, "hash table rebuilt from the entries of its leaves");
          } else if (failed.isEmpty()) {
            findings.left(problem, "run fsck.gfsj -y to rebuild the hash table from the leaves");
          } else {
            findings.left(problem, "the hash table cannot be rebuilt (" + failed + "); copy the"
                + " directory's files to a new directory (a listing shows those it reaches) and"
                + " remove it");
          }
        }
        if (failed == null) {
          dinodeBlock = fs.block(dir);
          t = readTable();
          if (!t.problems().isEmpty()) {
            throw new CorruptMetadataException(dir, "the rebuilt hash table is still damaged: "
                + t.problems().get(0));
          }
        }
      }
      if (t.table() == null) {
        return; // its entries stay unreached: pass 3 reports their inodes
      }
      int depth = Integer.numberOfTrailingZeros(t.table().length);
      long leaves = 0;
      for (Map.Entry<Long, List<Long>> run : t.chains().entrySet()) {
        long first = run.getKey();
        int i = t.firstIndex().get(first);
        int ld = t.unsound().contains(first) ? -1 : t.depths().get(first);
        for (long leaf : run.getValue()) {
          leaves += claim(d, leaf, 1, "directory leaf");
          checkLeaf(leaf, t.table(), depth, i, ld);
        }
      }
      Long counted = pendingBlockCounts.remove(dir);
      if (counted != null) {
        checkBlockCount(d, counted + leaves);
      }
    }

    private Table readTable() throws IOException {
      long dir = d.address();
      String where = "directory " + dir + ": ";
      List<String> problems = new ArrayList<>();
      long[] table;
      try {
        table = fs.hashTable(d, dinodeBlock);
      } catch (CorruptMetadataException e) {
        problems.add(where + "its hash table does not read back (" + e.getMessage() + ")");
        return new Table(null, Map.of(), Map.of(), Map.of(), Set.of(), problems, true);
      }
      int depth = Integer.numberOfTrailingZeros(table.length);
      if (d.height() > 0) {
        int mapped = fs.mappedBlocks(d, dinodeBlock).size();
        if (mapped != HashTableBlock.blocks(depth, bs)) {
          throw new CorruptMetadataException(dir, "hashed directory of depth " + depth
              + " maps " + mapped + " blocks; its table takes "
              + HashTableBlock.blocks(depth, bs));
        }
      }
      Map<Long, Integer> firstIndex = new LinkedHashMap<>();
      for (int i = 0; i < table.length; i++) {
        firstIndex.putIfAbsent(table[i], i);
      }
      Map<Long, List<Long>> chains = new LinkedHashMap<>();
      Map<Long, Integer> depths = new HashMap<>();
      Set<Long> unsound = new HashSet<>();
      boolean lostLeaves = false;
      for (Map.Entry<Long, Integer> run : firstIndex.entrySet()) {
        long first = run.getKey();
        List<Long> chain;
        try {
          chain = fs.leafChain(first, dir);
        } catch (CorruptMetadataException e) {
          problems.add(where + "hash table pointer " + run.getValue() + " leads to no leaf of"
              + " the directory (" + e.getMessage() + ")");
          lostLeaves = true;
          continue;
        }
        int ld = DirectoryLeaf.depth(fs.block(first));
        String problem = unsoundRun(table, depth, first, run.getValue(), ld);
        if (problem != null) {
          problems.add(where + problem);
          unsound.add(first);
        }
        chains.put(first, chain);
        depths.put(first, ld);
      }
      return new Table(table, firstIndex, chains, depths, unsound, problems, lostLeaves);
    }

    /**
     * Why leaf {@code first}, of depth {@code ld} and first named by pointer {@code i}, is not
     * named by exactly the aligned run of {@code 2^(depth - ld)} pointers its depth gives it, or
     * null when it is.
     */
    private String unsoundRun(long[] table, int depth, long first, int i, int ld) {
      if (ld > depth) {
        return "leaf " + first + " has depth " + ld + ", deeper than the hash table (" + depth
            + ")";
      }
      int span = 1 << (depth - ld);
      int start = i & ~(span - 1);
      for (int j = start; j < start + span; j++) {
        if (table[j] != first) {
          return "hash table pointers " + start + ".." + (start + span - 1) + " should all name"
              + " leaf " + first + " (depth " + ld + "), but pointer " + j + " names " + table[j];
        }
      }
      for (int j = start + span; j < table.length; j++) {
        if (table[j] == first) {
          return "leaf " + first + " (depth " + ld + ") is named by pointers " + start + ".."
              + (start + span - 1) + " and again by pointer " + j;
        }
      }
      return null;
    }

    /**
     * Checks leaf {@code leaf} of depth {@code ld}, first named by table pointer {@code i}; with
     * {@code ld} -1 (its run of pointers is damaged) its entries are counted but not placed.
     */
    private void checkLeaf(long leaf, long[] table, int depth, int i, int ld)
        throws IOException {
      ByteBuffer l = fs.block(leaf);
      List<DirectoryEntry> entries = DirectoryEntry.readLinear(DirectoryLeaf.area(l), leaf);
      if (DirectoryLeaf.entries(l) != entries.size()) {
        String problem = "directory leaf " + leaf + " of directory " + d.address() + " counts "
            + DirectoryLeaf.entries(l) + " entries but holds " + entries.size();
        if (findings.repair()) {
          repairs.setLeafEntries(leaf, entries.size());
          findings.fixed(problem, "count set to " + entries.size());
        } else {
          findings.left(problem, "run fsck.gfsj -y to set it");
        }
      }
      List<DirectoryEntry> placed = new ArrayList<>();
      for (DirectoryEntry e : entries) {
        if (ld < 0 || HashTableBlock.index(e.hash(), ld) == i >>> (depth - ld)) {
          placed.add(e);
          continue;
        }
        long right = table[HashTableBlock.index(e.hash(), depth)];
        String problem = "entry '" + e.name() + "' of directory " + d.address() + " is in leaf "
            + leaf + ", but its hash 0x" + Integer.toHexString(e.hash()) + " belongs in leaf "
            + right + ", so lookups cannot find it";
        if (!findings.repair()) {
          findings.left(problem, "run fsck.gfsj -y to move it");
          placed.add(e);
        } else if (repairs.moveEntry(d.address(), leaf, e, right)) {
          findings.fixed(problem, "moved to leaf " + right);
          if (HashTableBlock.index(e.hash(), depth) < i) {
            placed.add(e); // its new leaf was read already: count it here
          }
        } else {
          findings.fixed(problem, "removed, as leaf " + right + " has no room; the inode is"
              + " freed below unless another entry names it");
        }
      }
      checkEntries(d, parent, leaf, DirectoryLeaf.RECORDS, placed, values, todo);
    }
  }

  private void checkBlockCount(Dinode d, long counted) throws IOException {
    if (counted == d.blocks()) {
      return;
    }
    String problem = "inode " + d.address() + " counts " + d.blocks() + " blocks but uses "
        + counted;
    if (findings.repair()) {
      repairs.setBlockCount(d.address(), counted);
      findings.fixed(problem, "block count set to " + counted);
    } else {
      findings.left(problem, "run fsck.gfsj -y to set it");
    }
  }

  /** A stuffed directory's size is the block size. */
  private void checkDirectorySize(Dinode d, long expected) throws IOException {
    if (d.size() == expected) {
      return;
    }
    String problem = "directory " + d.address() + " has size " + d.size() + ", should be "
        + expected;
    if (findings.repair()) {
      repairs.setSize(d.address(), expected);
      findings.fixed(problem, "size set to " + expected);
    } else {
      findings.left(problem, "run fsck.gfsj -y to set it");
    }
  }

  private void checkEntries(Dinode dir, long parent, long block, int offset,
      List<DirectoryEntry> entries, Set<Integer> values, Deque<Pending> todo)
      throws IOException, CorruptMetadataException {
    for (DirectoryEntry e : entries) {
      if (!values.add(e.hash())) {
        findings.left("entry '" + e.name() + "' of directory " + dir.address() + " carries hash"
            + " value 0x" + Integer.toHexString(e.hash()) + ", which another entry carries too,"
            + " so readdir cookies are ambiguous", "left as it is; rename the file to give it"
            + " a new value");
      }
      String where = "entry '" + e.name() + "' of directory " + dir.address();
      if (e.name().equals(".") || e.name().equals("..")) {
        long expected = e.name().equals(".") ? dir.address() : parent;
        if (e.inode() != expected) {
          findings.left(where + " names inode " + e.inode() + ", not " + expected,
              "left as it is; move the directory's contents to a new directory");
        }
        continue;
      }
      if (dir.address() == fs.superBlock().rootDinode() && e.name().equals(LostAndFound.NAME)) {
        lostAndFound = e.inode();
        lostAndFoundType = e.type();
      }
      boolean seen = e.inode() > 0 && e.inode() < Integer.MAX_VALUE
          && dinodes.get((int) e.inode());
      FileType type;
      if (seen) {
        // a hard link to an inode read and checked already: its dinode is not read again
        type = TYPES[links.get(e.inode())[2]];
      } else {
        String[] why = new String[1];
        Dinode target = visit(e.inode(), why);
        if (target == null) {
          String problem = where + " points at block " + e.inode() + ", which is not a valid"
              + " dinode (" + why[0] + ")";
          if (findings.repair()) {
            repairs.removeEntry(dir.address(), block, offset, e.inode());
            findings.fixed(problem, "entry removed");
          } else {
            findings.left(problem, "run fsck.gfsj -y to remove the entry");
          }
          continue;
        }
        type = target.type();
      }
      if (type != e.type()) {
        findings.left(where + " says " + e.type() + " but inode " + e.inode() + " is a "
            + type, "left as it is; check the file and remove the entry by hand");
      }
      if (type == FileType.DIRECTORY) {
        if (seen) {
          findings.left(where + " links directory " + e.inode() + " a second time",
              "left as it is; remove the extra entry by hand");
          continue;
        }
        // a subdirectory's ".." is a link to this directory, its entry here one to itself
        links.get(dir.address())[1]++;
        links.get(e.inode())[1]++;
        todo.push(new Pending(e.inode(), dir.address()));
      } else {
        links.get(e.inode())[1]++;
      }
    }
  }
}
