package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.NameHash;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;

/**
 * Extendible hashing as it lands on disk: conversion from a stuffed directory, splits and table
 * doublings, chains at the deepest level, names whose hashes collide, and readdir resumed while
 * all of that happens. Each test ends with fsck finding the structure sound.
 */
class HashedDirectoryTest {
  private static final Caller ROOT = Caller.ROOT;
  private static final int BS = TestFilesystems.BS;

  private final MemoryBlockDevice dev = new MemoryBlockDevice("hashed.img", BS,
      256 * TestFilesystems.MIB / BS);

  HashedDirectoryTest() throws IOException {
    TestFilesystems.mkfs(dev, 64);
  }

  private GfsMount mount() throws IOException {
    return GfsMount.open(dev, TestFilesystems.mountOptions());
  }

  private void fsckIsClean() throws IOException {
    StringWriter out = new StringWriter();
    int exit = Fsck.run(FileSystemReader.of(dev), false, false, new PrintWriter(out)).exitCode();
    assertEquals(0, exit, out.toString());
  }

  private Dinode dinode(long ino) throws IOException {
    return FileSystemReader.of(dev).dinode(ino);
  }

  /** Whether a mounted directory has left its dinode: it then holds leaf blocks. */
  private static boolean isHashed(GfsMount fs, long dir) throws IOException {
    return fs.getattr(dir).blocks512() > BS / 512;
  }

  /** Every name in a listing resumed from each entry's cookie, checking that cookies rise. */
  private static List<String> listAll(GfsMount fs, long dir, int page) throws IOException {
    List<String> names = new ArrayList<>();
    long cookie = 0;
    for (List<DirectoryEntryView> p = fs.readdir(dir, 0, page, ROOT); !p.isEmpty();
        p = fs.readdir(dir, cookie, page, ROOT)) {
      for (DirectoryEntryView e : p) {
        assertTrue(e.nextCookie() > cookie, "cookie of " + e.name() + " rises");
        cookie = e.nextCookie();
        names.add(e.name());
      }
    }
    return names;
  }

  /** Long names: few to a leaf, so that a few thousand fill the first table. */
  private static final String LONG = "-" + "x".repeat(180);

  @Test
  void splitsAndDoublingsKeepEveryEntryWhereItsHashLeads() throws Exception {
    int n = 6000;
    long dir;
    Set<String> present = new HashSet<>(List.of(".", ".."));
    try (GfsMount fs = mount()) {
      dir = fs.mkdir(fs.root(), "d", 0755, ROOT).ino();
      for (int i = 0; i < n; i++) {
        fs.mknod(dir, "file-" + i + LONG, 0100644, 0, ROOT);
        present.add("file-" + i + LONG);
        if (i == 10) {
          assertFalse(isHashed(fs, dir), "ten entries still fit in the dinode");
        }
        if (i % 3 == 0 && i > 0) {
          fs.unlink(dir, "file-" + (i - 1) + LONG, ROOT);
          present.remove("file-" + (i - 1) + LONG);
        }
      }
    }
    Dinode d = dinode(dir);
    assertTrue(d.isHashedDirectory());
    int depth = HashTableBlock.depthOfSize(d.size());
    assertTrue(depth > HashTableBlock.stuffedDepth(BS), "the table doubled out of the dinode:"
        + " depth " + depth);
    assertTrue(d.height() > 0, "the table is in table blocks");
    assertEquals(present.size(), d.entries());
    fsckIsClean();
    try (GfsMount fs = mount()) {
      List<String> listed = listAll(fs, dir, 50);
      assertEquals(present.size(), listed.size(), "no name twice");
      assertEquals(present, new HashSet<>(listed));
      for (int i = 0; i < n; i += 11) {
        String name = "file-" + i + LONG;
        if (present.contains(name)) {
          assertEquals(FileType.REGULAR, fs.lookup(dir, name, ROOT).type());
        } else {
          assertEquals(Errno.ENOENT, org.junit.jupiter.api.Assertions.assertThrows(
              FsException.class, () -> fs.lookup(dir, name, ROOT)).errno());
        }
      }
    }
  }

  /**
   * A directory keeps its newest search for the calls that follow it (a negative lookup, then
   * the create's own); every change of the entries must make it stale, or an insert would land
   * on a record another name took in between, in a stuffed directory and a hashed one alike.
   */
  @Test
  void aSearchKeptFromALookupIsNotReusedAfterTheDirectoryChanged() throws Exception {
    for (int filler : new int[] {0, 600}) {
      try (GfsMount fs = mount()) {
        long dir = fs.mkdir(fs.root(), "d" + filler, 0755, ROOT).ino();
        for (int i = 0; i < filler; i++) {
          fs.mknod(dir, "filler-" + i, 0100644, 0, ROOT);
        }
        assertEquals(filler > 0, isHashed(fs, dir));
        for (int i = 0; i < 200; i++) {
          String x = "x-" + i;
          String y = "y-" + i;
          String z = "z-" + i;
          assertThrows(FsException.class, () -> fs.lookup(dir, x, ROOT));
          fs.mknod(dir, y, 0100644, 0, ROOT);
          fs.mknod(dir, x, 0100644, 0, ROOT);
          assertEquals(FileType.REGULAR, fs.lookup(dir, x, ROOT).type(), "added since");
          assertThrows(FsException.class, () -> fs.lookup(dir, z, ROOT));
          fs.unlink(dir, y, ROOT);
          assertThrows(FsException.class, () -> fs.lookup(dir, y, ROOT), "removed since");
          fs.mknod(dir, z, 0100644, 0, ROOT);
          fs.rename(dir, z, dir, y, 0, ROOT);
          fs.rename(dir, y, dir, z, 0, ROOT);
        }
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < filler; i++) {
          expected.add("filler-" + i);
        }
        for (int i = 0; i < 200; i++) {
          expected.add("x-" + i);
          expected.add("z-" + i);
          assertEquals(FileType.REGULAR, fs.lookup(dir, "x-" + i, ROOT).type());
        }
        assertEquals(expected, new HashSet<>(listAll(fs, dir, 100)));
      }
      fsckIsClean();
    }
  }

  @Test
  void aRemovedHashedDirectoryGivesBackEveryBlock() throws Exception {
    try (GfsMount fs = mount()) {
      long free = fs.statfs().freeBlocks();
      long dir = fs.mkdir(fs.root(), "d", 0755, ROOT).ino();
      for (int i = 0; i < 3000; i++) {
        fs.mknod(dir, "some-longer-file-name-" + i, 0100644, 0, ROOT);
      }
      assertTrue(fs.getattr(dir).size() > 0);
      for (int i = 0; i < 3000; i++) {
        fs.unlink(dir, "some-longer-file-name-" + i, ROOT);
      }
      fs.rmdir(fs.root(), "d", ROOT);
      fs.sync();
      assertEquals(free, fs.statfs().freeBlocks(), "leaves, table blocks and dinodes freed");
    }
    fsckIsClean();
  }

  /** Two different names with the same CRC32C, found by a birthday search. */
  private static String[] collidingNames() {
    Map<Integer, String> seen = new HashMap<>();
    for (int i = 0; ; i++) {
      String name = "c" + i;
      String other = seen.putIfAbsent(NameHash.of(name), name);
      if (other != null) {
        return new String[] {other, name};
      }
    }
  }

  @Test
  void namesWhoseHashesCollideGetCookiesOfTheirOwn() throws Exception {
    String[] pair = collidingNames();
    assertEquals(NameHash.of(pair[0]), NameHash.of(pair[1]));
    try (GfsMount fs = mount()) {
      long small = fs.mkdir(fs.root(), "small", 0755, ROOT).ino();
      long large = fs.mkdir(fs.root(), "large", 0755, ROOT).ino();
      for (int i = 0; i < 500; i++) {
        fs.mknod(large, "filler-" + i, 0100644, 0, ROOT);
      }
      for (long dir : new long[] {small, large}) {
        long a = fs.mknod(dir, pair[0], 0100644, 0, ROOT).ino();
        long b = fs.mknod(dir, pair[1], 0100644, 0, ROOT).ino();
        assertEquals(a, fs.lookup(dir, pair[0], ROOT).ino());
        assertEquals(b, fs.lookup(dir, pair[1], ROOT).ino());
        List<DirectoryEntryView> all = fs.readdir(dir, 0, 10_000, ROOT);
        DirectoryEntryView first = all.stream().filter(e -> e.name().equals(pair[0]))
            .findFirst().orElseThrow();
        DirectoryEntryView second = all.stream().filter(e -> e.name().equals(pair[1]))
            .findFirst().orElseThrow();
        assertNotEquals(first.nextCookie(), second.nextCookie());
        // resuming right after the first lists the second, and not the first again
        List<String> rest = fs.readdir(dir, first.nextCookie(), 10_000, ROOT).stream()
            .map(DirectoryEntryView::name).toList();
        assertFalse(rest.contains(pair[0]));
        assertTrue(rest.contains(pair[1]));
        // and the first going away does not move the second's place
        fs.unlink(dir, pair[0], ROOT);
        assertEquals(rest, fs.readdir(dir, first.nextCookie(), 10_000, ROOT).stream()
            .map(DirectoryEntryView::name).toList());
        fs.mknod(dir, pair[0], 0100644, 0, ROOT);
        assertEquals(2 + (dir == large ? 502 : 2) - 2,
            listAll(fs, dir, 7).size() - 2);
      }
    }
    fsckIsClean();
  }

  /** {@code count} names whose hashes share their top 16 bits, the deepest the table goes. */
  private static List<String> namesOfOnePrefix(int count) {
    String pad = "-".repeat(50);
    int prefix = NameHash.of("p0" + pad) >>> 16;
    List<String> names = new ArrayList<>();
    for (int i = 0; names.size() < count; i++) {
      String name = "p" + i + pad;
      if (NameHash.of(name) >>> 16 == prefix) {
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void leavesChainAtTheDeepestLevel() throws Exception {
    List<String> names = namesOfOnePrefix(150);
    long dir;
    try (GfsMount fs = mount()) {
      dir = fs.mkdir(fs.root(), "deep", 0755, ROOT).ino();
      for (String name : names) {
        fs.mknod(dir, name, 0100644, 0, ROOT);
      }
      for (String name : names) {
        assertEquals(FileType.REGULAR, fs.lookup(dir, name, ROOT).type());
      }
    }
    Dinode d = dinode(dir);
    assertEquals(HashTableBlock.MAX_DEPTH, HashTableBlock.depthOfSize(d.size()));
    FileSystemReader r = FileSystemReader.of(dev);
    ByteBuffer b = r.block(dir);
    long[] table = r.hashTable(d, b);
    long leaf = table[NameHash.of(names.get(0)) >>> 16];
    assertEquals(HashTableBlock.MAX_DEPTH, DirectoryLeaf.depth(r.block(leaf)));
    assertTrue(r.leafChain(leaf, dir).size() >= 2, "the full deepest leaf has a chained leaf");
    fsckIsClean();
    try (GfsMount fs = mount()) {
      List<String> listed = listAll(fs, dir, 13);
      assertEquals(names.size() + 2, listed.size());
      assertTrue(listed.containsAll(names));
    }
  }

  @Test
  void splitCostCountsEveryLevelTheEntriesShare() {
    List<DirectoryEntry> entries = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // 9,600 bytes of entries, all with hashes whose top 16 bits are 0
      entries.add(new DirectoryEntry(String.format("entry-with-a-longer-name-%03d", i), 10 + i,
          FileType.REGULAR, i << 8));
    }
    int need = DirectoryEntry.HEADER + 8;
    int stuffed = HashTableBlock.stuffedDepth(BS);
    // from a leaf of depth 0 in the first table: the new hash starts 01, so the second split
    // leaves it a quarter to itself; no doubling, two leaves, two for the block map
    assertEquals(2 + 2, HashedDirectory.splitCost(entries, 0x7000_0000, need, 0, stuffed,
        false, BS));
    // a hash the entries share all 16 bits with: every level splits, the table doubles to the
    // deepest, and a chained leaf takes the entry
    assertEquals(HashTableBlock.MAX_DEPTH + 1 + HashTableBlock.blocks(HashTableBlock.MAX_DEPTH,
        BS) + 2, HashedDirectory.splitCost(entries, 0x42, need, 0, stuffed, false, BS));
    // the same from a table already in blocks counts only the blocks it grows by
    assertEquals(HashTableBlock.MAX_DEPTH + 1 + HashTableBlock.blocks(HashTableBlock.MAX_DEPTH,
        BS) - HashTableBlock.blocks(12, BS) + 2,
        HashedDirectory.splitCost(entries, 0x42, need, 0, 12, true, BS));
  }

  @Test
  void readdirResumedWhileEntriesComeAndGoAcrossSplits() throws Exception {
    Random random = new Random(7);
    try (GfsMount fs = mount()) {
      long dir = fs.mkdir(fs.root(), "busy", 0755, ROOT).ino();
      List<String> initial = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        initial.add("first-" + i);
        fs.mknod(dir, "first-" + i, 0100644, 0, ROOT);
      }
      assertFalse(isHashed(fs, dir), "the listing starts on a stuffed directory");
      Set<String> removed = new HashSet<>();
      Set<String> seen = new HashSet<>();
      long cookie = 0;
      int added = 0;
      while (true) {
        List<DirectoryEntryView> page = fs.readdir(dir, cookie, 5, ROOT);
        if (page.isEmpty()) {
          break;
        }
        for (DirectoryEntryView e : page) {
          assertTrue(seen.add(e.name()), "listed twice: " + e.name());
          cookie = e.nextCookie();
        }
        // between pages: many new entries (conversion, splits, doublings) and a few removals,
        // behind and ahead of the cookie
        for (int k = 0; k < 100 && added < 12_000; k++, added++) {
          fs.mknod(dir, "late-" + added + LONG, 0100644, 0, ROOT);
        }
        String victim = initial.get(random.nextInt(initial.size()));
        if (removed.add(victim)) {
          fs.unlink(dir, victim, ROOT);
        }
        if (added > 0 && random.nextBoolean()) {
          String late = "late-" + random.nextInt(added) + LONG;
          if (removed.add(late)) {
            fs.unlink(dir, late, ROOT);
          }
        }
      }
      for (String name : initial) {
        assertTrue(removed.contains(name) || seen.contains(name), "skipped " + name);
      }
      assertTrue(seen.contains(".") && seen.contains(".."));
      assertTrue(isHashed(fs, dir));
      assertTrue(fs.getattr(dir).size() > BS, "the table doubled out of the dinode");
    }
    fsckIsClean();
  }
}
