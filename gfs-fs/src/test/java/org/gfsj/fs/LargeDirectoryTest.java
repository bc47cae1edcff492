package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;

/**
 * A directory of a million entries: after a remount, a lookup of any name reads a few blocks (a
 * table block, a leaf, the inode), not the directory. The entries are hard links to a few files,
 * so that the image holds the directory and little else.
 */
class LargeDirectoryTest {
  private static final Caller ROOT = Caller.ROOT;
  private static final int ENTRIES = Integer.getInteger("gfsj.largeDirectoryEntries", 1_000_000);
  private static final int LINKS_PER_FILE = 62_500;

  private static String name(int i) {
    return "entry-" + i;
  }

  @Test
  void lookupAfterRemountReadsAFewBlocksNotTheDirectory() throws Exception {
    MemoryBlockDevice mem = new MemoryBlockDevice("large.img", TestFilesystems.BS,
        (1L << 30) / TestFilesystems.BS);
    // a journal of 64 MiB, so that a million small transactions rarely wait for write-back
    Mkfs.make(mem, new MkfsOptions(TestFilesystems.BS, LockProtocol.NOLOCK, "", 1,
        64 * TestFilesystems.MIB / TestFilesystems.BS, 256 * TestFilesystems.MIB / TestFilesystems.BS,
        true), (d, t) -> {});
    long dir;
    long[] targets = new long[(ENTRIES + LINKS_PER_FILE - 1) / LINKS_PER_FILE];
    long start = System.nanoTime();
    try (GfsMount fs = GfsMount.open(mem, TestFilesystems.mountOptions())) {
      dir = fs.mkdir(fs.root(), "big", 0755, ROOT).ino();
      for (int t = 0; t < targets.length; t++) {
        Vfs.Created c = fs.create(fs.root(), "target-" + t, 0644, OpenFlags.O_WRONLY, ROOT);
        fs.release(c.attributes().ino(), c.handle());
        targets[t] = c.attributes().ino();
      }
      for (int i = 0; i < ENTRIES; i++) {
        fs.link(targets[i / LINKS_PER_FILE], dir, name(i), ROOT);
      }
    }
    long made = System.nanoTime() - start;
    CountingBlockDevice counting = new CountingBlockDevice(mem);
    try (GfsMount fs = GfsMount.open(counting, TestFilesystems.mountOptions())) {
      // the root, the targets' group and a first leaf: what any lookup after mount reads once
      fs.lookup(fs.root(), "target-0", ROOT);
      long firstBefore = counting.blocksRead();
      assertEquals(targets[0], fs.lookup(dir, name(0), ROOT).ino());
      long first = counting.blocksRead() - firstBefore;
      Random random = new Random(42);
      long most = 0;
      for (int k = 0; k < 200; k++) {
        int i = random.nextInt(ENTRIES);
        long before = counting.blocksRead();
        assertEquals(targets[i / LINKS_PER_FILE], fs.lookup(dir, name(i), ROOT).ino());
        most = Math.max(most, counting.blocksRead() - before);
      }
      Dinode d = FileSystemReader.of(mem).dinode(dir);
      int depth = HashTableBlock.depthOfSize(d.size());
      System.out.printf("%d entries made in %.1f s; table depth %d, %d blocks; first lookup"
          + " read %d blocks, later ones at most %d%n", ENTRIES, made / 1e9, depth, d.blocks(),
          first, most);
      assertEquals(ENTRIES + 2, d.entries());
      BitSet listed = new BitSet(ENTRIES);
      long cookie = 0;
      int names = 0;
      for (List<DirectoryEntryView> page = fs.readdir(dir, cookie, 4096, ROOT); !page.isEmpty();
          page = fs.readdir(dir, cookie, 4096, ROOT)) {
        for (DirectoryEntryView e : page) {
          names++;
          if (e.name().startsWith("entry-")) {
            int i = Integer.parseInt(e.name().substring(6));
            assertTrue(!listed.get(i), "listed twice: " + e.name());
            listed.set(i);
          }
          assertTrue(e.nextCookie() > cookie, "cookies rise");
          cookie = e.nextCookie();
        }
      }
      assertEquals(ENTRIES + 2, names);
      assertEquals(ENTRIES, listed.cardinality());
      assertTrue(d.blocks() > 1000, "the directory spans many leaves: " + d.blocks());
      // the directory's dinode, one table block, one leaf, the linked inode
      assertTrue(first <= 4, "first lookup read " + first + " blocks");
      // one table block and one leaf (a leaf chain at most one more)
      assertTrue(most <= 3, "a lookup read " + most + " blocks");
    }
  }
}
