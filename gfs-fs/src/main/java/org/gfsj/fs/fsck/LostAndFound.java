package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.Timestamp;

/**
 * Pass 3: connectivity, as e2fsck's passes 3 and 4 treat unattached inodes. A dinode that its
 * bitmap marks in use (state "dinode", with links) but that no directory reaches was a file
 * whose entry was lost; -y gives it back to the user as {@code /lost+found/#INO}, creating
 * {@code /lost+found} (root's, mode 0700) when it is missing. A directory moves there with its
 * subtree, its ".." pointed at lost+found.
 *
 * <p>Freed instead, by pass 5, as e2fsck and fsck.gfs2 free them: inodes marked "unlinked" (open
 * when their last link went and a crash came before their last close: GFSJ's open-unlinked list),
 * dinodes with no links, unattached zero-length regular files with no attributes ("Unattached
 * zero-length inode. Clear"), and blocks that do not decode as dinodes.
 *
 * <p>lost+found takes new entries where its records have room, moving none; when it is full the
 * rest are reported and left (empty lost+found and run again).
 */
final class LostAndFound {
  static final String NAME = "lost+found";
  private static final int MODE = 0700;

  private final FileSystemReader fs;
  private final Groups groups;
  private final Findings findings;
  private final MetadataRepairs repairs;
  private final TreeWalk walk;
  private final long root;

  LostAndFound(FileSystemReader fs, Groups groups, Findings findings, MetadataRepairs repairs,
      TreeWalk walk) {
    this.fs = fs;
    this.groups = groups;
    this.findings = findings;
    this.repairs = repairs;
    this.walk = walk;
    this.root = fs.superBlock().rootDinode();
  }

  void run() throws IOException {
    List<Dinode> unattached = unattached();
    if (unattached.isEmpty()) {
      return;
    }
    // subtrees first: an unattached directory's own unattached entries come back with it
    Set<Long> named = new HashSet<>();
    for (Dinode d : unattached) {
      if (d.type() == FileType.DIRECTORY) {
        named.addAll(entriesOf(d.address()));
      }
    }
    List<Dinode> order = new ArrayList<>();
    for (Dinode d : unattached) {
      if (!named.contains(d.address())) {
        order.add(d);
      }
    }
    order.addAll(unattached); // what only a cycle of lost directories names
    long lostFound = findings.repair() ? lostAndFound() : 0;
    for (Dinode d : order) {
      if (walk.reached(d.address())) {
        continue;
      }
      String problem = "inode " + d.address() + " (" + d.type().name().toLowerCase() + ", "
          + d.size() + " bytes, uid " + d.uid() + ") is in no directory";
      if (!findings.repair()) {
        findings.left(problem, "run fsck.gfsj -y to move it to /" + NAME);
        walk.adopt(d.address(), dotDot(d));
        continue;
      }
      if (lostFound == 0) {
        findings.left(problem, "left as it is; make /" + NAME + " a directory and run again");
        walk.adopt(d.address(), dotDot(d));
        continue;
      }
      String name = "#" + d.address();
      if (!repairs.addEntry(lostFound, new DirectoryEntry(name, d.address(), d.type()))) {
        findings.left(problem, "left as it is: /" + NAME + " is full; empty it and run again");
        walk.adopt(d.address(), dotDot(d));
        continue;
      }
      if (d.type() == FileType.DIRECTORY) {
        repairs.setDotDot(d.address(), lostFound);
        int nlink = walk.linksOnDisk(lostFound) + 1;
        repairs.setLinkCount(lostFound, nlink);
        walk.linksOnDisk(lostFound, nlink);
      }
      walk.adopt(d.address(), lostFound);
      findings.fixed(problem, "moved to /" + NAME + "/" + name);
    }
  }

  /**
   * The valid dinodes marked "dinode" in the bitmaps, with links, that pass 2 did not reach, in
   * address order; zero-length regular files without attributes are left for pass 5 to free.
   */
  private List<Dinode> unattached() throws IOException {
    List<Dinode> out = new ArrayList<>();
    groups.eachBlock(fs, EnumSet.of(BlockState.DINODE), address -> {
      if (walk.reached(address) || walk.claimed(address)) {
        return;
      }
      Dinode d;
      try {
        d = Dinode.decode(fs.block(address), address);
      } catch (CorruptMetadataException e) {
        return;
      }
      boolean empty = d.type() == FileType.REGULAR && d.size() == 0 && d.blocks() == 1
          && d.xattrBlock() == 0;
      if (d.nlink() > 0 && !empty && (d.flags() & Dinode.FLAG_SYSTEM) == 0) {
        out.add(d);
      }
    });
    return out;
  }

  /** The inodes a lost directory's entries name, "." and ".." aside; none if unreadable. */
  private List<Long> entriesOf(long dir) throws IOException {
    List<Long> out = new ArrayList<>();
    try {
      for (DirectoryEntry e : fs.directory(dir)) {
        if (!e.name().equals(".") && !e.name().equals("..")) {
          out.add(e.inode());
        }
      }
    } catch (CorruptMetadataException e) {
      // a directory with leaves, or a damaged one: its entries are found by walking it
    }
    return out;
  }

  /** What a lost directory's ".." names now (what -n checks it against); 0 for a file. */
  private long dotDot(Dinode d) throws IOException {
    if (d.type() != FileType.DIRECTORY) {
      return 0;
    }
    try {
      for (DirectoryEntry e : fs.directory(d.address())) {
        if (e.name().equals("..")) {
          return e.inode();
        }
      }
    } catch (CorruptMetadataException e) {
      // the walk reports it
    }
    return 0;
  }

  /** /lost+found: found in the root, or made; 0 when the name is taken by something else. */
  private long lostAndFound() throws IOException {
    long existing = walk.lostAndFound();
    if (existing != 0) {
      return walk.lostAndFoundType() == FileType.DIRECTORY && walk.reached(existing) ? existing
          : 0;
    }
    return make();
  }

  /** Makes /lost+found in a free block of the first group with one; 0 if none can be had. */
  private long make() throws IOException {
    for (ResourceGroupIndexEntry g : groups.all()) {
      BlockState[] states;
      try {
        states = fs.bitmap(g);
      } catch (CorruptMetadataException e) {
        continue;
      }
      for (int i = 0; i < states.length; i++) {
        long address = g.dataStart() + i;
        if (states[i] == BlockState.FREE && !walk.claimed(address) && !walk.reached(address)) {
          return make(g, i, address);
        }
      }
    }
    findings.left("no free block for /" + NAME, "free some space and run fsck.gfsj again");
    return 0;
  }

  private long make(ResourceGroupIndexEntry g, int index, long address)
      throws IOException {
    ResourceGroupHeader h = fs.resourceGroupHeader(g);
    if (!repairs.addEntry(root, new DirectoryEntry(NAME, address, FileType.DIRECTORY))) {
      findings.left("the root directory has no room for /" + NAME, "remove an entry from the"
          + " root directory and run fsck.gfsj again");
      return 0;
    }
    int bs = fs.superBlock().blockSize();
    Timestamp now = Timestamp.of(Instant.now());
    ByteBuffer area = ByteBuffer.allocate(Dinode.dataAreaSize(bs));
    DirectoryEntry.writeLinear(List.of(new DirectoryEntry(".", address, FileType.DIRECTORY),
        new DirectoryEntry("..", root, FileType.DIRECTORY)), area);
    ByteBuffer block = ByteBuffer.allocateDirect(bs);
    new Dinode(address, FileType.DIRECTORY.modeBits() | MODE, 0, 0, 2, bs, 1, now, now, now, 0,
        h.nextGeneration(), 0, 0, 0, 0, 2, 0, address).encode(block, area);
    fs.device().write(address, block.clear());
    int per = Bitmap.blocksPerBitmapBlock(bs);
    long bitmap = g.address() + 1 + index / per;
    ByteBuffer bm = fs.block(bitmap);
    Bitmap.set(bm, index % per, BlockState.DINODE);
    repairs.write(bitmap, bm);
    ByteBuffer hb = fs.block(g.address());
    new ResourceGroupHeader(h.address(), h.dataStart(), h.length(), h.bitmapBlocks(),
        h.dataBlocks(), h.free() - 1, h.dinodes() + 1, h.nextGeneration() + 1).encode(hb);
    fs.device().write(g.address(), hb.clear());
    int rootLinks = walk.linksOnDisk(root) + 1;
    repairs.setLinkCount(root, rootLinks);
    walk.linksOnDisk(root, rootLinks);
    walk.adopt(address, root);
    findings.say("  /" + NAME + " made, inode " + address);
    return address;
  }
}
