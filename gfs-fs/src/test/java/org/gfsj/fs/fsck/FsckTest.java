package org.gfsj.fs.fsck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.gfsj.fs.CountingBlockDevice;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.GfsMount;
import org.gfsj.fs.MountOptions;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.format.XattrBlock;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.gfsj.journal.device.PathBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each corruption is found by a -n run (exit 4, nothing written), repaired by a -y run (exit 1)
 * and gone on the run after (exit 0).
 */
class FsckTest {
  private static final int BS = 4096;
  private static final long MIB = 1 << 20;
  private static final Caller ROOT = Caller.ROOT;

  private static MkfsOptions mkfsOptions() {
    return new MkfsOptions(BS, LockProtocol.NOLOCK, "", 2, 4 * MIB / BS, 8 * MIB / BS, true);
  }

  private static MountOptions mountOptions() {
    return MountOptions.defaults().withNodeName("fsck-test");
  }

  /** A filesystem with a directory, small and large files, a hard link and a symlink. */
  private static MemoryBlockDevice populated() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice("fsck.img", BS, 32 * MIB / BS);
    Mkfs.make(dev, mkfsOptions(), (d, t) -> {});
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      populate(fs);
    }
    return dev;
  }

  /** A check of {@code dev} as it is now; the device stays open for the next. */
  private record Run(int exit, String output) {}

  private static Run fsck(BlockDevice dev, boolean repair) throws IOException {
    StringWriter text = new StringWriter();
    FileSystemReader fs = FileSystemReader.of(dev);
    int exit = Fsck.run(fs, repair, false, new PrintWriter(text)).exitCode();
    return new Run(exit, text.toString());
  }

  /** -n finds {@code expected} and changes nothing; -y repairs it; then both runs are clean. */
  private static void findsAndRepairs(MemoryBlockDevice dev, String expected) throws IOException {
    MemoryBlockDevice before = dev.copy("before.img");
    Run n = fsck(dev, false);
    assertEquals(4, n.exit(), n.output());
    assertTrue(n.output().contains(expected), n.output());
    assertTrue(dev.sameContents(before, 0, dev.blockCount()), "-n wrote to the device");
    Run y = fsck(dev, true);
    assertEquals(1, y.exit(), y.output());
    assertTrue(y.output().contains(expected), n.output() + "\n----\n" + y.output());
    Run again = fsck(dev, true);
    assertEquals(0, again.exit(), again.output());
    assertEquals(0, fsck(dev, false).exit());
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      write(fs, fs.root(), "after-repair", 10_000);
    }
    assertEquals(0, fsck(dev, false).exit(), "a mount after the repair left it clean");
  }

  @Test
  void cleanFilesystemHasNoFindings() throws IOException {
    MemoryBlockDevice dev = populated();
    Run n = fsck(dev, false);
    assertEquals(0, n.exit(), n.output());
    assertTrue(n.output().contains("Pass 4"), n.output());
    assertEquals(0, fsck(dev, true).exit());
  }

  @Test
  void wrongLinkCount() throws IOException {
    MemoryBlockDevice dev = populated();
    long plain = inode(dev, "plain");
    editBlock(dev, plain, b -> b.putInt(36, 5));
    findsAndRepairs(dev, "inode " + plain + " has link count 5, should be 1");
  }

  @Test
  void wrongDirectorySize() throws IOException {
    MemoryBlockDevice dev = populated();
    long dir = inode(dev, "dir");
    editBlock(dev, dir, b -> b.putLong(40, 12345));
    findsAndRepairs(dev, "directory " + dir + " has size 12345, should be " + BS);
  }

  /** The first two different leaves of hashed directory {@code dir}, and its table. */
  private record Leaves(long[] table, long first, long second) {}

  private static Leaves leaves(BlockDevice dev, long dir) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    ByteBuffer b = fs.block(dir);
    Dinode d = Dinode.decode(b, dir);
    assertTrue(d.isHashedDirectory(), "the directory is hashed");
    long[] table = fs.hashTable(d, b);
    for (long p : table) {
      if (p != table[0]) {
        return new Leaves(table, table[0], p);
      }
    }
    throw new AssertionError("directory " + dir + " has one leaf");
  }

  @Test
  void entryInTheWrongLeafIsMovedBack() throws IOException {
    MemoryBlockDevice dev = populated();
    long many = inode(dev, "many");
    Leaves l = leaves(dev, many);
    FileSystemReader fs = FileSystemReader.of(dev);
    DirectoryEntry e = DirectoryEntry.readLinear(DirectoryLeaf.area(fs.block(l.second())),
        l.second()).stream().filter(x -> !x.name().startsWith(".")).findFirst().orElseThrow();
    // a bug that filed an entry under the wrong hash prefix: lookups go elsewhere
    assertTrue(new MetadataRepairs(fs).moveEntry(many, l.second(), e, l.first()));
    try (GfsMount m = GfsMount.open(dev, mountOptions())) {
      assertThrows(FsException.class, () -> m.lookup(many, e.name(), ROOT));
    }
    findsAndRepairs(dev, "entry '" + e.name() + "' of directory " + many + " is in leaf "
        + l.first() + ", but its hash");
    try (GfsMount m = GfsMount.open(dev, mountOptions())) {
      assertEquals(e.inode(), m.lookup(many, e.name(), ROOT).ino());
    }
  }

  @Test
  void wrongLeafEntryCount() throws IOException {
    MemoryBlockDevice dev = populated();
    long many = inode(dev, "many");
    long leaf = leaves(dev, many).second();
    int count = DirectoryLeaf.entries(FileSystemReader.of(dev).block(leaf));
    editBlock(dev, leaf, b -> DirectoryLeaf.entries(b, count + 7));
    findsAndRepairs(dev, "directory leaf " + leaf + " of directory " + many + " counts "
        + (count + 7) + " entries but holds " + count);
  }

  @Test
  void hashTablePointerAtAnotherLeafIsRebuilt() throws IOException {
    MemoryBlockDevice dev = populated();
    long many = inode(dev, "many");
    List<DirectoryEntry> entries = FileSystemReader.of(dev).directory(many);
    Leaves l = leaves(dev, many);
    int last = l.table().length - 1;
    long other = l.table()[last] == l.first() ? l.second() : l.first();
    editBlock(dev, many, b -> b.putLong(Dinode.DATA_OFFSET + 8 * last, other));
    Run n = fsck(dev, false);
    // every leaf is still read: no entry of the directory is lost, no inode freed
    assertFalse(n.output().contains("unreachable"), n.output());
    assertFalse(n.output().contains("link count"), n.output());
    findsAndRepairs(dev, "pointer " + last + " names " + other);
    assertEveryEntryLooksUp(dev, many, entries);
  }

  @Test
  void unreadableHashTableBlockIsRebuiltFromTheLeaves() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice("fsck.img", BS, 32 * MIB / BS);
    Mkfs.make(dev, mkfsOptions(), (d, t) -> {});
    long huge;
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      long target = write(fs, fs.root(), "target", 10);
      huge = fs.mkdir(fs.root(), "huge", 0755, ROOT).ino();
      // hard links: entries enough for a table in blocks of its own, without a dinode each
      for (int i = 0; i < 20_000; i++) {
        fs.link(target, huge, "a-name-long-enough-to-fill-leaves-" + i, ROOT);
      }
    }
    FileSystemReader r = FileSystemReader.of(dev);
    List<DirectoryEntry> entries = r.directory(huge);
    ByteBuffer b = r.block(huge);
    Dinode d = Dinode.decode(b, huge);
    assertTrue(d.height() > 0, "the hash table left the dinode");
    List<Long> tableBlocks = r.mappedBlocks(d, b);
    long damaged = tableBlocks.get(tableBlocks.size() - 1);
    // scribbled over, not sealed again: the block fails its checksum
    ByteBuffer tb = r.block(damaged);
    tb.putLong(HashTableBlock.POINTERS, 0x5eedL);
    dev.write(damaged, tb.clear());
    findsAndRepairs(dev, "directory " + huge + ": its hash table does not read back");
    assertEveryEntryLooksUp(dev, huge, entries);
  }

  /**
   * A fallocated block keeps whatever was there before, such as a leaf of a deleted directory
   * whose address a later directory took. When that directory's table loses a pointer, the scan
   * for its leaves must not adopt the old entries.
   */
  @Test
  void aStaleLeafInAFallocatedBlockIsNotTakenForALostLeaf() throws IOException {
    MemoryBlockDevice dev = populated();
    long many = inode(dev, "many");
    long plain = inode(dev, "plain");
    long twin;
    long prealloc;
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      twin = fs.mkdir(fs.root(), "twin", 0755, ROOT).ino();
      for (int i = 0; i < 150; i++) {
        fs.link(plain, twin, "ghost-with-a-longish-name-" + i, ROOT);
      }
      Vfs.Created c = fs.create(fs.root(), "prealloc", 0644, OpenFlags.O_WRONLY, ROOT);
      fs.fallocate(c.attributes().ino(), c.handle(), 0, 0, 8 * BS, ROOT);
      fs.release(c.attributes().ino(), c.handle());
      prealloc = c.attributes().ino();
    }
    List<DirectoryEntry> entries = FileSystemReader.of(dev).directory(many);
    Extent fallocated = firstExtent(dev, prealloc);
    assertTrue(fallocated.unwritten(), "fallocate maps unwritten blocks");
    // what a deleted directory at many's address could have left: a leaf owned by "many"
    long stale = fallocated.physical() + 3;
    ByteBuffer leaf = FileSystemReader.of(dev).block(leaves(dev, twin).first());
    MetadataHeader.identify(leaf, MetadataType.DIRECTORY_LEAF, stale);
    leaf.putLong(40, many); // the leaf's owner (docs/format.md, directory leaf)
    MetadataHeader.seal(leaf);
    dev.write(stale, leaf.clear());
    assertEquals(many, DirectoryLeaf.owner(FileSystemReader.of(dev).block(stale)));
    Leaves l = leaves(dev, many);
    int last = l.table().length - 1;
    editBlock(dev, many, b -> b.putLong(Dinode.DATA_OFFSET + 8 * last, plain));

    findsAndRepairs(dev, "pointer " + last + " leads to no leaf");
    List<String> names = FileSystemReader.of(dev).directory(many).stream()
        .map(DirectoryEntry::name).toList();
    assertTrue(names.stream().noneMatch(n -> n.startsWith("ghost")), names.toString());
    assertEveryEntryLooksUp(dev, many, entries);
  }

  /** After a repair, the directory lists {@code entries} again and looks each one up. */
  private static void assertEveryEntryLooksUp(BlockDevice dev, long dir,
      List<DirectoryEntry> entries) throws IOException {
    assertEquals(entries.size(), FileSystemReader.of(dev).directory(dir).size());
    try (GfsMount m = GfsMount.open(dev, mountOptions())) {
      for (DirectoryEntry e : entries) {
        assertEquals(e.inode(), m.lookup(dir, e.name(), ROOT).ino(), e.name());
      }
    }
  }

  @Test
  void aHardLinkedInodeIsReadOnceHoweverManyEntriesNameIt() throws IOException {
    MemoryBlockDevice dev = populated();
    long plain = inode(dev, "plain");
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      long links = fs.mkdir(fs.root(), "links", 0755, ROOT).ino();
      for (int i = 0; i < 200; i++) {
        fs.link(plain, links, "plain-" + i, ROOT);
      }
    }
    CountingBlockDevice counting = new CountingBlockDevice(dev);
    Run r = fsck(counting, false);
    assertEquals(0, r.exit(), r.output());
    // pass 2 reads it when the walk first reaches it, pass 5 may look at it once more
    assertTrue(counting.readsOf(plain) <= 3, "dinode " + plain + " of 201 names read "
        + counting.readsOf(plain) + " times");
  }

  @Test
  void hashedDirectoryBlockCountIncludesItsLeaves() throws IOException {
    MemoryBlockDevice dev = populated();
    long many = inode(dev, "many");
    long blocks = FileSystemReader.of(dev).dinode(many).blocks();
    assertTrue(blocks >= 3, "the dinode and at least two leaves: " + blocks);
    editBlock(dev, many, b -> b.putLong(48, blocks - 1));
    findsAndRepairs(dev, "inode " + many + " counts " + (blocks - 1) + " blocks but uses "
        + blocks);
  }

  @Test
  void blockSharedByTwoFilesIsLeftForTheUser() throws IOException {
    MemoryBlockDevice dev = populated();
    long shared = firstExtent(dev, inode(dev, "big-link")).physical();
    long other = inode(dev, "second");
    editBlock(dev, other, b -> b.putLong(Dinode.DATA_OFFSET + 8, shared));
    for (boolean repair : new boolean[] {false, true}) {
      Run r = fsck(dev, repair);
      assertEquals(4, r.exit(), r.output());
      assertTrue(r.output().contains("at blocks " + shared + ".."), r.output());
      assertTrue(r.output().contains("that another file or dinode also uses"), r.output());
    }
  }

  @Test
  void leakedBlock() throws IOException {
    MemoryBlockDevice dev = populated();
    long leaked = lastDataBlock(dev);
    setState(dev, leaked, BlockState.USED);
    findsAndRepairs(dev, "block " + leaked + ": leaked block(s)");
  }

  @Test
  void reachableBlockMarkedFree() throws IOException {
    MemoryBlockDevice dev = populated();
    long data = firstExtent(dev, inode(dev, "big-link")).physical();
    setState(dev, data, BlockState.FREE);
    findsAndRepairs(dev, "block " + data + ": block(s) in use by files but marked free");
  }

  @Test
  void orphanInode() throws IOException {
    MemoryBlockDevice dev = populated();
    long plain = inode(dev, "plain");
    FileSystemReader fs = FileSystemReader.of(dev);
    long root = fs.superBlock().rootDinode();
    new MetadataRepairs(fs).removeEntry(root, root, Dinode.DATA_OFFSET, plain);
    setState(dev, plain, BlockState.UNLINKED);
    findsAndRepairs(dev, "block " + plain + ": orphan inode(s)");
  }

  @Test
  void unattachedFileGoesToLostAndFoundWhichFsckMakes() throws IOException {
    MemoryBlockDevice dev = populated();
    long second = inode(dev, "second");
    FileSystemReader fs = FileSystemReader.of(dev);
    long root = fs.superBlock().rootDinode();
    // the entry is lost; the dinode stays allocated with its link and its data
    new MetadataRepairs(fs).removeEntry(root, root, Dinode.DATA_OFFSET, second);
    findsAndRepairs(dev, "inode " + second + " (regular, 5000 bytes, uid 0) is in no directory");
    long lostFound = inode(dev, "lost+found");
    FileSystemReader after = FileSystemReader.of(dev);
    assertEquals(040700, after.dinode(lostFound).mode());
    assertEquals(second, after.lookup(lostFound, "#" + second));
    try (GfsMount mounted = GfsMount.open(dev, mountOptions())) {
      long found = mounted.lookup(mounted.lookup(mounted.root(), "lost+found", ROOT).ino(),
          "#" + second, ROOT).ino();
      assertEquals(5000, mounted.getattr(found).size());
      assertEquals(1, mounted.getattr(found).nlink());
      // the ACL populate gave it came along with it
      assertEquals(0100640, mounted.getattr(found).mode());
    }
  }

  @Test
  void unattachedDirectoryMovesWithItsSubtreeIntoAnExistingLostAndFound() throws IOException {
    MemoryBlockDevice dev = populated();
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      fs.mkdir(fs.root(), "lost+found", 0700, ROOT);
    }
    long dir = inode(dev, "dir");
    long lostFound = inode(dev, "lost+found");
    FileSystemReader fs = FileSystemReader.of(dev);
    long root = fs.superBlock().rootDinode();
    new MetadataRepairs(fs).removeEntry(root, root, Dinode.DATA_OFFSET, dir);
    findsAndRepairs(dev, "inode " + dir + " (directory, " + BS + " bytes, uid 0) is in no"
        + " directory");
    FileSystemReader after = FileSystemReader.of(dev);
    assertEquals(dir, after.lookup(lostFound, "#" + dir));
    assertEquals(lostFound, after.lookup(dir, ".."));
    assertEquals(3, after.dinode(lostFound).nlink(), "lost+found gained a subdirectory");
    long big = after.lookup(dir, "big");
    assertEquals(40_000, after.dinode(big).size(), "the subtree came back whole");
  }

  @Test
  void unattachedEmptyFileIsFreedAsE2fsckClearsIt() throws IOException {
    MemoryBlockDevice dev = populated();
    long empty;
    try (GfsMount fs = GfsMount.open(dev, mountOptions())) {
      empty = write(fs, fs.root(), "empty", 0);
    }
    FileSystemReader fs = FileSystemReader.of(dev);
    long root = fs.superBlock().rootDinode();
    new MetadataRepairs(fs).removeEntry(root, root, Dinode.DATA_OFFSET, empty);
    findsAndRepairs(dev, "block " + empty + ": unreachable inode(s) marked in use");
    assertEquals(List.of(), FileSystemReader.of(dev).directory(root).stream()
        .filter(e -> e.name().equals("lost+found")).toList(), "no lost+found for nothing");
  }

  @Test
  void wrongGroupFreeCount() throws IOException {
    MemoryBlockDevice dev = populated();
    FileSystemReader fs = FileSystemReader.of(dev);
    ResourceGroupIndexEntry g = fs.resourceGroupIndex().get(0);
    ResourceGroupHeader h = fs.resourceGroupHeader(g);
    ByteBuffer b = fs.block(g.address());
    new ResourceGroupHeader(h.address(), h.dataStart(), h.length(), h.bitmapBlocks(),
        h.dataBlocks(), h.free() - 3, h.dinodes(), h.nextGeneration()).encode(b);
    dev.write(g.address(), b.clear());
    findsAndRepairs(dev, "resource group at block " + g.address() + " counts " + (h.free() - 3)
        + " free blocks");
  }

  @Test
  void entryPointingAtDataBlock() throws IOException {
    MemoryBlockDevice dev = populated();
    long data = firstExtent(dev, inode(dev, "big-link")).physical();
    long plain = inode(dev, "plain");
    FileSystemReader fs = FileSystemReader.of(dev);
    long root = fs.superBlock().rootDinode();
    editBlock(dev, root, b -> {
      try {
        ByteBuffer area = b.duplicate().position(Dinode.DATA_OFFSET).slice();
        List<DirectoryEntry> entries = new ArrayList<>();
        for (DirectoryEntry e : DirectoryEntry.readLinear(area, root)) {
          entries.add(e.inode() == plain ? new DirectoryEntry(e.name(), data, e.type()) : e);
        }
        DirectoryEntry.writeLinear(entries, area);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
    findsAndRepairs(dev, "entry 'plain' of directory " + root + " points at block " + data
        + ", which is not a valid dinode");
  }

  @Test
  void badDinodeCrcIsReportedWithItsAddress() throws IOException {
    MemoryBlockDevice dev = populated();
    long plain = inode(dev, "plain");
    ByteBuffer b = FileSystemReader.of(dev).block(plain);
    b.putInt(28, 4242); // the uid, without sealing the block again
    dev.write(plain, b.clear());
    findsAndRepairs(dev, "points at block " + plain + ", which is not a valid dinode");
  }

  @Test
  void wrongStatfsTotalsAreSetFromTheBitmaps() throws IOException {
    MemoryBlockDevice dev = populated();
    FileSystemReader fs = FileSystemReader.of(dev);
    long master = fs.systemFile("statfs");
    StatfsChange right = fs.statfs(master);
    editBlock(dev, master, b -> new StatfsChange(right.total(), right.free() + 77,
        right.dinodes()).encode(b, Dinode.DATA_OFFSET));
    long change1 = fs.lookup(fs.systemFile("per_node"), "statfs_change1");
    editBlock(dev, change1, b -> new StatfsChange(0, 0, 5).encode(b, Dinode.DATA_OFFSET));
    findsAndRepairs(dev, "statfs says " + right.total() + " data blocks, " + (right.free() + 77)
        + " free, " + (right.dinodes() + 5) + " dinodes; the bitmaps say " + right.total() + ", "
        + right.free() + ", " + right.dinodes());
    assertEquals(new StatfsChange(0, 0, 0), FileSystemReader.of(dev).statfs(change1));
  }

  @Test
  void invalidAclIsRemoved() throws IOException {
    MemoryBlockDevice dev = populated();
    long second = inode(dev, "second");
    long xattrs = FileSystemReader.of(dev).dinode(second).xattrBlock();
    editBlock(dev, xattrs, b -> {
      TreeMap<String, byte[]> attrs = XattrBlock.decode(b, xattrs);
      byte[] acl = attrs.get(PosixAcl.ACCESS);
      acl[4 + 8 * 3] = (byte) PosixAcl.OTHER; // the mask entry turned into a second other entry
      XattrBlock.encode(b, xattrs, attrs);
    });
    findsAndRepairs(dev, "inode " + second + "'s system.posix_acl_access is no valid ACL");
    assertEquals(xattrs, FileSystemReader.of(dev).dinode(second).xattrBlock());
    assertTrue(!XattrBlock.decode(FileSystemReader.of(dev).block(xattrs), xattrs)
        .containsKey(PosixAcl.ACCESS), "the invalid ACL is gone");
  }

  @Test
  void dirtyJournalIsReplayedFirst() throws IOException {
    MemoryBlockDevice dev = populated();
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(dev);
    GfsMount fs = GfsMount.open(faulty, mountOptions());
    Vfs.Created c = fs.create(fs.root(), "late", 0644, OpenFlags.O_WRONLY, ROOT);
    fs.fsync(c.attributes().ino(), c.handle(), false);
    faulty.crashNow();
    try {
      fs.close();
    } catch (IOException expectedAfterTheCrash) {
      // the mount dies with its device, as a node does
    }
    MemoryBlockDevice before = dev.copy("before.img");
    Run n = fsck(dev, false);
    assertEquals(4, n.exit(), n.output());
    assertTrue(n.output().contains("needs replay"), n.output());
    assertTrue(dev.sameContents(before, 0, dev.blockCount()), "-n wrote to the device");
    Run y = fsck(dev, true);
    assertEquals(1, y.exit(), y.output());
    assertTrue(y.output().contains("replayed"), y.output());
    assertEquals(0, fsck(dev, false).exit());
    assertTrue(inode(dev, "late") > 0);
  }

  @Test
  void refusesADeviceHeldByAMount(@TempDir Path dir) throws IOException {
    Path img = dir.resolve("fs.img");
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(32 * MIB);
    }
    try (PathBlockDevice dev = PathBlockDevice.open(img,
        DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE))) {
      Mkfs.make(dev, mkfsOptions(), (d, t) -> {});
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    GfsMount mounted = GfsMount.open(img.toString(), mountOptions());
    try {
      int exit = Fsck.check(img.toString(), false, false, new PrintWriter(out),
          new PrintWriter(err));
      assertEquals(8, exit, err.toString());
      assertTrue(err.toString().contains(img + " is mounted (or in use); unmount it first"),
          err.toString());
    } finally {
      mounted.close();
    }
    assertEquals(0, Fsck.check(img.toString(), false, false, new PrintWriter(out),
        new PrintWriter(err)), out + "\n" + err);
  }

  // --- reading and corrupting the image directly

  private interface Edit {
    void apply(ByteBuffer block) throws IOException;
  }

  /** Changes a metadata block and seals it again, as a bug that wrote wrong values would. */
  private static void editBlock(BlockDevice dev, long address, Edit edit) throws IOException {
    ByteBuffer b = FileSystemReader.of(dev).block(address);
    edit.apply(b);
    MetadataHeader.seal(b);
    dev.write(address, b.clear());
  }

  private static long inode(BlockDevice dev, String rootEntry) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    return fs.lookup(fs.superBlock().rootDinode(), rootEntry);
  }

  private static Extent firstExtent(BlockDevice dev, long inode) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    ByteBuffer b = fs.block(inode);
    return Dinode.decode(b, inode).decodeExtents(b)[0];
  }

  private static long lastDataBlock(BlockDevice dev) throws IOException {
    List<ResourceGroupIndexEntry> groups = FileSystemReader.of(dev).resourceGroupIndex();
    return groups.get(groups.size() - 1).end() - 1;
  }

  /** Sets one block's bitmap state and seals the bitmap block again. */
  private static void setState(BlockDevice dev, long block, BlockState state) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    for (ResourceGroupIndexEntry g : fs.resourceGroupIndex()) {
      if (block >= g.dataStart() && block < g.end()) {
        int i = (int) (block - g.dataStart());
        int per = Bitmap.blocksPerBitmapBlock(BS);
        long bitmap = g.address() + 1 + i / per;
        editBlock(dev, bitmap, b -> Bitmap.set(b, i % per, state));
        return;
      }
    }
    throw new AssertionError("block " + block + " is in no group's data area");
  }

  private static void populate(Vfs fs) throws IOException {
    long d = fs.mkdir(fs.root(), "dir", 0755, ROOT).ino();
    fs.mkdir(d, "sub", 0755, ROOT);
    write(fs, fs.root(), "plain", 100);
    long second = write(fs, fs.root(), "second", 5000);
    fs.setxattr(second, PosixAcl.ACCESS, new PosixAcl(List.of(
        new PosixAcl.Entry(PosixAcl.USER_OBJ, 6, -1), new PosixAcl.Entry(PosixAcl.USER, 4, 1000),
        new PosixAcl.Entry(PosixAcl.GROUP_OBJ, 4, -1), new PosixAcl.Entry(PosixAcl.MASK, 4, -1),
        new PosixAcl.Entry(PosixAcl.OTHER, 0, -1))).encode(), 0, ROOT);
    long big = write(fs, d, "big", 40_000);
    fs.link(big, fs.root(), "big-link", ROOT);
    fs.symlink(d, "sym", "../plain", ROOT);
    fs.setxattr(big, "user.colour", "blue".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0,
        ROOT);
    // enough entries that the directory moves out of its dinode into leaf blocks
    long many = fs.mkdir(fs.root(), "many", 0755, ROOT).ino();
    for (int i = 0; i < 150; i++) {
      write(fs, many, "file-with-a-longish-name-" + i, i % 2 == 0 ? 10 : 5000);
    }
  }

  private static long write(Vfs fs, long dir, String name, int bytes) throws IOException {
    Vfs.Created c = fs.create(dir, name, 0644, OpenFlags.O_WRONLY, ROOT);
    fs.write(c.attributes().ino(), c.handle(), 0, ByteBuffer.wrap(new byte[bytes]), ROOT);
    fs.release(c.attributes().ino(), c.handle());
    return c.attributes().ino();
  }
}
