package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
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
  private static final int PROGRESS_EVERY = 10_000;

  private final FileSystemReader fs;
  private final Groups groups;
  private final Findings findings;
  private final MetadataRepairs repairs;
  private final int bs;
  /** Blocks of reachable files other than their dinodes: data, extent, leaf and xattr blocks. */
  final BitSet blocks = new BitSet();
  /** Reachable dinodes. */
  final BitSet dinodes = new BitSet();
  /** Per reachable dinode: its link count on disk and the references the walk found. */
  final Map<Long, int[]> links = new HashMap<>();
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
    links.put(address, new int[] {d.nlink(), 0});
    // a counter, not BitSet.cardinality(): that scans the whole set, once per inode
    if (++visited % PROGRESS_EVERY == 0) {
      findings.say("  " + visited + " inodes checked");
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
    if (counted != d.blocks()) {
      String problem = "inode " + d.address() + " counts " + d.blocks() + " blocks but uses "
          + counted;
      if (findings.repair()) {
        repairs.setBlockCount(d.address(), counted);
        findings.fixed(problem, "block count set to " + counted);
      } else {
        findings.left(problem, "run fsck.gfsj -y to set it");
      }
    }
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

  /** Reads each area of {@code dir} (its data area, or each leaf) and checks every entry. */
  private void readDirectory(long dir, long parent, Deque<Pending> todo) throws IOException {
    ByteBuffer b = fs.block(dir);
    Dinode d;
    try {
      d = Dinode.decode(b, dir);
      if (d.height() == 0) {
        checkDirectorySize(d, bs);
        checkEntries(d, parent, dir, Dinode.DATA_OFFSET, b, todo);
        return;
      }
      List<Long> leaves = leaves(d, b);
      checkDirectorySize(d, (long) leaves.size() * bs);
      for (long leaf : leaves) {
        ByteBuffer l = fs.block(leaf);
        MetadataHeader.check(l, MetadataType.DIRECTORY_LEAF, leaf);
        checkEntries(d, parent, leaf, MetadataHeader.SIZE, l, todo);
      }
    } catch (CorruptMetadataException e) {
      findings.left(e.getMessage() + " (directory " + dir + ")", "the directory's remaining"
          + " entries are not checked; copy out what reads back and remove it");
    }
  }

  /** A stuffed directory's size is the block size, a mapped one's its leaf count times it. */
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

  private List<Long> leaves(Dinode d, ByteBuffer b) throws IOException, CorruptMetadataException {
    List<Long> out = new ArrayList<>();
    for (Extent e : d.decodeExtents(b)) {
      if (d.height() == 1) {
        addRun(out, e);
      } else {
        ByteBuffer x = fs.block(e.physical());
        for (int i = 0; i < x.getInt(EXTENT_COUNT); i++) {
          addRun(out, Extent.decode(x, EXTENT_BLOCK_HEADER + i * Extent.SIZE, e.physical()));
        }
      }
    }
    return out;
  }

  private static void addRun(List<Long> out, Extent e) {
    for (int i = 0; i < e.length(); i++) {
      out.add(e.physical() + i);
    }
  }

  private void checkEntries(Dinode dir, long parent, long block, int offset, ByteBuffer b,
      Deque<Pending> todo) throws IOException, CorruptMetadataException {
    ByteBuffer area = b.asReadOnlyBuffer().position(offset).slice();
    for (DirectoryEntry e : DirectoryEntry.readLinear(area, block)) {
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
      String[] why = new String[1];
      boolean seen = dinodes.get(Math.toIntExact(e.inode()));
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
      if (target.type() != e.type()) {
        findings.left(where + " says " + e.type() + " but inode " + e.inode() + " is a "
            + target.type(), "left as it is; check the file and remove the entry by hand");
      }
      if (target.type() == FileType.DIRECTORY) {
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
