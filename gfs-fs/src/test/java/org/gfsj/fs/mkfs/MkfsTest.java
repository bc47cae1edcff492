package org.gfsj.fs.mkfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import org.gfsj.journal.log.JournalRegion;
import org.gfsj.journal.log.JournalReplayer;
import org.gfsj.journal.log.JournalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MkfsTest {
  private static final int BS = 4096;
  private static final long MIB = 1 << 20;
  private static final DeviceOptions EXCLUSIVE =
      DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE);

  @TempDir Path dir;

  private Path image(String name, long bytes) throws IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  private static MkfsOptions small(int journals, boolean overwrite) {
    return new MkfsOptions(BS, LockProtocol.LOCKD, "alpha:data", journals, 8 * MIB / BS,
        32 * MIB / BS, overwrite);
  }

  private static Mkfs.Summary mkfs(Path image, MkfsOptions options) throws IOException {
    try (PathBlockDevice dev = PathBlockDevice.open(image, EXCLUSIVE)) {
      return Mkfs.make(dev, options, (done, total) -> {});
    }
  }

  @Test
  void everythingMkfsWritesReadsBackConsistent() throws Exception {
    Path img = image("fs.img", 256 * MIB);
    Mkfs.Summary summary = mkfs(img, small(3, false));
    try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      SuperBlock sb = fs.superBlock();
      assertEquals(BS, sb.blockSize());
      assertEquals(LockProtocol.LOCKD, sb.lockProtocol());
      assertEquals("alpha:data", sb.lockTable());
      assertEquals(summary.uuid(), sb.uuid());
      assertEquals(summary.filesystemBlocks(), sb.blockCount());
      assertEquals(8192, sb.resourceGroupBlocks());
      assertEquals(8, summary.resourceGroups());
      verifyConsistent(fs, 3);
      assertEquals(List.of(".", ".."),
          fs.directory(sb.rootDinode()).stream().map(DirectoryEntry::name).toList());
    }
  }

  /**
   * Walks everything mkfs made and checks it against the bitmaps, the group headers, the index
   * files and the journals: a small fsck of a fresh filesystem.
   */
  static void verifyConsistent(FileSystemReader fs, int journals) throws IOException {
    SuperBlock sb = fs.superBlock();
    List<ResourceGroupIndexEntry> groups = fs.resourceGroupIndex();
    long next = SuperBlock.address(sb.blockSize()) + 1;
    for (ResourceGroupIndexEntry g : groups) {
      assertEquals(next, g.address(), "groups lie back to back");
      assertTrue(g.matches(fs.resourceGroupHeader(g)), "rindex and header agree for " + g);
      next = g.end();
    }
    assertEquals(sb.blockCount(), next, "the last group ends where the filesystem does");

    Map<Long, BlockState> expected = new HashMap<>();
    Set<Long> reached = new HashSet<>();
    walk(fs, sb.rootDinode(), expected, reached);
    walk(fs, sb.masterDinode(), expected, reached);

    long total = 0;
    long free = 0;
    long dinodes = 0;
    for (ResourceGroupIndexEntry g : groups) {
      ResourceGroupHeader h = fs.resourceGroupHeader(g);
      BlockState[] states = fs.bitmap(g);
      int groupFree = 0;
      int groupDinodes = 0;
      for (int i = 0; i < states.length; i++) {
        long block = g.dataStart() + i;
        assertEquals(expected.getOrDefault(block, BlockState.FREE), states[i], "block " + block);
        groupFree += states[i] == BlockState.FREE ? 1 : 0;
        groupDinodes += states[i] == BlockState.DINODE ? 1 : 0;
      }
      assertEquals(groupFree, h.free(), "free count of group " + g.address());
      assertEquals(groupDinodes, h.dinodes(), "dinode count of group " + g.address());
      assertEquals(groupDinodes + 1L, h.nextGeneration());
      total += h.dataBlocks();
      free += h.free();
      dinodes += h.dinodes();
    }
    assertEquals(expected.size(), total - free, "every used block is reachable");
    assertEquals(new StatfsChange(total, free, dinodes), fs.statfs(fs.systemFile("statfs")));
    long perNode = fs.systemFile("per_node");
    for (int slot = 0; slot < journals; slot++) {
      assertEquals(new StatfsChange(0, 0, 0),
          fs.statfs(fs.lookup(perNode, "statfs_change" + slot)));
    }

    List<JournalIndexEntry> jindex = fs.journalIndex();
    assertEquals(journals, jindex.size());
    long journalsDir = fs.systemFile("journals");
    for (int slot = 0; slot < journals; slot++) {
      JournalIndexEntry j = jindex.get(slot);
      assertEquals(slot, j.slot());
      assertEquals(fs.lookup(journalsDir, "journal" + slot), j.dinode());
      assertEquals(j.dinode() + 1, j.firstBlock(), "journal blocks follow their dinode");
      for (long b = j.firstBlock(); b < j.firstBlock() + j.blocks(); b++) {
        assertEquals(BlockState.USED, expected.get(b));
      }
      JournalRegion region = fs.journal(j);
      assertFalse(new JournalReplayer(region).needsReplay());
      JournalWriter.open(region, (w, seq) -> {}).close();
    }
  }

  private static void walk(FileSystemReader fs, long inode, Map<Long, BlockState> expected,
      Set<Long> reached) throws IOException {
    if (!reached.add(inode)) {
      return;
    }
    Dinode d = fs.dinode(inode);
    assertNull(expected.put(inode, BlockState.DINODE), "block " + inode + " used twice");
    long blocks = 1;
    if (d.height() == 1) {
      for (Extent e : d.decodeExtents(fs.block(inode))) {
        for (long b = e.physical(); b < e.physical() + e.length(); b++) {
          assertNull(expected.put(b, BlockState.USED), "block " + b + " used twice");
        }
        blocks += e.length();
      }
    }
    assertEquals(blocks, d.blocks(), "block count of dinode " + inode);
    if (d.type() == FileType.DIRECTORY) {
      List<DirectoryEntry> entries = fs.directory(inode);
      assertEquals(entries.size(), d.entries());
      int subdirs = 0;
      for (DirectoryEntry e : entries) {
        if (!e.name().equals(".") && !e.name().equals("..")) {
          assertEquals(e.type(), fs.dinode(e.inode()).type());
          subdirs += e.type() == FileType.DIRECTORY ? 1 : 0;
          walk(fs, e.inode(), expected, reached);
        }
      }
      assertEquals(2 + subdirs, d.nlink(), "link count of directory " + inode);
    }
  }

  @Test
  void refusesAnExt4ImageWithoutOverwrite() throws Exception {
    Path img = image("ext4.img", 96 * MIB);
    Process p = new ProcessBuilder("mkfs.ext4", "-q", "-F", img.toString())
        .redirectErrorStream(true).start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    MkfsException e = assertThrows(MkfsException.class, () -> mkfs(img, small(1, false)));
    assertTrue(e.getMessage().contains("existing filesystem (ext2/3/4)"), e.getMessage());
    assertTrue(e.getMessage().contains("-O"), e.getMessage());

    mkfs(img, small(1, true));
    MkfsException again = assertThrows(MkfsException.class, () -> mkfs(img, small(1, false)));
    assertTrue(again.getMessage().contains("existing filesystem (GFSJ)"), again.getMessage());
    try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      verifyConsistent(fs, 1);
    }
    Process blkid = new ProcessBuilder("blkid", "-p", img.toString())
        .redirectErrorStream(true).start();
    String out = new String(blkid.getInputStream().readAllBytes());
    blkid.waitFor();
    assertFalse(out.contains("ext4"), "ext4 signature wiped: " + out);
  }

  @Test
  void tooSmallDeviceIsRefusedWithATruthfulMinimum() throws Exception {
    Path img = image("small.img", 64 * MIB);
    MkfsException e = assertThrows(MkfsException.class, () -> mkfs(img, small(3, false)));
    // 17 blocks before the first group, the group holding 3 journals, one more group
    long minimum = 17 + 8192 + 8192;
    assertTrue(e.getMessage().contains("the minimum is 64.1 MiB (" + minimum + " blocks"),
        e.getMessage());
    Files.delete(img);
    Path exact = image("exact.img", minimum * BS);
    mkfs(exact, small(3, false));
    try (FileSystemReader fs = FileSystemReader.open(exact.toString(), DeviceOptions.defaults())) {
      verifyConsistent(fs, 3);
    }
  }

  @Test
  void journalLargerThanAResourceGroupIsRefused() throws Exception {
    Path img = image("j.img", 256 * MIB);
    MkfsOptions big = new MkfsOptions(BS, LockProtocol.NOLOCK, "", 1, 32 * MIB / BS,
        32 * MIB / BS, false);
    MkfsException e = assertThrows(MkfsException.class, () -> mkfs(img, big));
    assertTrue(e.getMessage().contains("larger than the journals (-J)"), e.getMessage());
  }

  @Test
  void otherBlockSizesWork() throws Exception {
    for (int bs : new int[] {1024, 65536}) {
      Path img = image("bs" + bs + ".img", 128 * MIB);
      MkfsOptions o = new MkfsOptions(bs, LockProtocol.NOLOCK, "", 2, 8 * MIB / bs, 32 * MIB / bs,
          false);
      try (PathBlockDevice dev = PathBlockDevice.open(img, EXCLUSIVE.withBlockSize(bs))) {
        Mkfs.make(dev, o, (done, total) -> {});
      }
      try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
        assertEquals(bs, fs.superBlock().blockSize());
        verifyConsistent(fs, 2);
      }
      Files.delete(img);
    }
  }

  @Test
  void corruptSystemFileIsReportedWithDeviceAndBlock() throws Exception {
    Path img = image("c.img", 128 * MIB);
    mkfs(img, small(1, false));
    long rindex;
    try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      rindex = fs.systemFile("rindex");
    }
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.seek(rindex * BS + Dinode.DATA_OFFSET + 3);
      f.write(0x5A);
    }
    try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
          fs::resourceGroupIndex);
      assertEquals(rindex, e.block());
      assertTrue(e.getMessage().startsWith(img + ": block " + rindex + ": dinode has a bad CRC32C"),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("run fsck.gfsj on the device"));
    }
  }

  @Test
  void sixtyFourGibSparseImage() throws Exception {
    Path img = image("big.img", 64L << 30);
    MkfsOptions defaults = new MkfsOptions(BS, LockProtocol.NOLOCK, "", 2, 128 * MIB / BS,
        256 * MIB / BS, false);
    long start = System.nanoTime();
    Mkfs.Summary s = mkfs(img, defaults);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("mkfs of a 64 GiB sparse image: " + millis + " ms, "
        + s.resourceGroups() + " resource groups");
    // 255 whole groups after the 17 blocks up to the superblock, and a last one 17 blocks short
    assertEquals(256, s.resourceGroups());
    assertEquals((64L << 30) / BS, s.filesystemBlocks());
    try (FileSystemReader fs = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      verifyConsistent(fs, 2);
    }
  }
}
