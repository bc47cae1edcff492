package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * statfs from the master statfs file and this slot's change file: it agrees with the bitmaps
 * after creates and deletes, across unmount (deltas folded) and crash (deltas replayed with the
 * bitmaps they describe), and answers without reading a resource group.
 */
@Timeout(60)
class StatfsTest {
  private static final Caller ROOT = Caller.ROOT;

  private static MemoryBlockDevice device() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice("statfs.img", TestFilesystems.BS,
        64 * TestFilesystems.MIB / TestFilesystems.BS);
    TestFilesystems.mkfs(dev, 8);
    return dev;
  }

  /** What the bitmaps of {@code dev} count: data blocks, free blocks, dinodes. */
  private static StatfsChange bitmaps(BlockDevice dev) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    long total = 0;
    long free = 0;
    long dinodes = 0;
    for (ResourceGroupIndexEntry g : fs.resourceGroupIndex()) {
      total += g.dataBlocks();
      for (BlockState s : fs.bitmap(g)) {
        free += s == BlockState.FREE ? 1 : 0;
        dinodes += s == BlockState.DINODE || s == BlockState.UNLINKED ? 1 : 0;
      }
    }
    return new StatfsChange(total, free, dinodes);
  }

  private static StatfsChange reported(Vfs fs) throws IOException {
    FsStatistics s = fs.statfs();
    return new StatfsChange(s.blocks(), s.freeBlocks(), s.files() - s.freeFiles());
  }

  /** The change file of {@code slot}, as on disk. */
  private static StatfsChange changeFile(BlockDevice dev, int slot) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    return fs.statfs(fs.lookup(fs.systemFile("per_node"), "statfs_change" + slot));
  }

  private static StatfsChange master(BlockDevice dev) throws IOException {
    FileSystemReader fs = FileSystemReader.of(dev);
    return fs.statfs(fs.systemFile("statfs"));
  }

  private static void churn(Vfs fs, String prefix) throws IOException {
    long dir = fs.mkdir(fs.root(), prefix, 0755, ROOT).ino();
    for (int i = 0; i < 60; i++) {
      Vfs.Created c = fs.create(dir, "f" + i, 0644, OpenFlags.O_WRONLY, ROOT);
      fs.write(c.attributes().ino(), c.handle(), 0, ByteBuffer.wrap(new byte[i * 3000]), ROOT);
      fs.release(c.attributes().ino(), c.handle());
    }
    for (int i = 0; i < 60; i += 3) {
      fs.unlink(dir, "f" + i, ROOT);
    }
  }

  @Test
  void statfsMatchesTheBitmapsAfterCreatesAndDeletesAndUnmountFoldsTheDeltas() throws Exception {
    MemoryBlockDevice dev = device();
    StatfsChange before = bitmaps(dev);
    StatfsChange during;
    try (GfsMount fs = GfsMount.open(dev, TestFilesystems.mountOptions())) {
      assertEquals(before, reported(fs));
      churn(fs, "a");
      during = reported(fs);
      assertNotEquals(before, during, "the files took space");
    }
    assertEquals(during, bitmaps(dev), "statfs before unmount = the bitmaps after");
    assertEquals(during, master(dev), "unmount folded the deltas into the master");
    assertEquals(new StatfsChange(0, 0, 0), changeFile(dev, 0));
    try (GfsMount fs = GfsMount.open(dev, TestFilesystems.mountOptions())) {
      assertEquals(during, reported(fs));
    }
  }

  @Test
  void oneOperationMayFoldMoreThanOnce() throws Exception {
    MemoryBlockDevice dev = device();
    StatfsChange after;
    try (GfsMount fs = GfsMount.open(dev, TestFilesystems.mountOptions())) {
      // a file of ~400 one-block runs: its unlink frees them run by run in one transaction,
      // passing the fold limit (1% of 16,000 blocks) more than once
      Vfs.Created c = fs.create(fs.root(), "frag", 0644, OpenFlags.O_RDWR, ROOT);
      long f = c.attributes().ino();
      for (int i = 0; i < 400; i++) {
        fs.write(f, c.handle(), 2L * i * TestFilesystems.BS, ByteBuffer.wrap(new byte[10]), ROOT);
        Vfs.Created gap = fs.create(fs.root(), "gap" + i, 0644, OpenFlags.O_WRONLY, ROOT);
        fs.write(gap.attributes().ino(), gap.handle(), 0, ByteBuffer.wrap(new byte[4000]), ROOT);
        fs.release(gap.attributes().ino(), gap.handle());
      }
      fs.release(f, c.handle());
      fs.unlink(fs.root(), "frag", ROOT);
      after = reported(fs);
    }
    assertEquals(after, bitmaps(dev));
  }

  @Test
  void aCrashLeavesDeltasThatTheNextMountReplaysAndFolds() throws Exception {
    MemoryBlockDevice dev = device();
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(dev);
    GfsMount fs = GfsMount.open(faulty, TestFilesystems.mountOptions());
    churn(fs, "c");
    StatfsChange reported = reported(fs);
    fs.sync();
    faulty.crashNow();
    try {
      fs.close();
    } catch (IOException expectedAfterTheCrash) {
      // the mount dies with its device
    }
    try (GfsMount again = GfsMount.open(dev, TestFilesystems.mountOptions())) {
      assertEquals(reported, reported(again), "replayed deltas count");
      assertEquals(reported, bitmaps(dev), "the replayed bitmaps agree");
    }
    assertEquals(reported, master(dev));
  }

  @Test
  void statfsReadsNoResourceGroup() throws Exception {
    MemoryBlockDevice dev = device();
    try (GfsMount fs = GfsMount.open(dev, TestFilesystems.mountOptions())) {
      churn(fs, "r");
    }
    StatfsChange expected = bitmaps(dev);
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(dev);
    for (ResourceGroupIndexEntry g : FileSystemReader.of(dev).resourceGroupIndex()) {
      for (long b = g.address(); b < g.dataStart(); b++) {
        faulty.failBlock(b, FaultInjectingBlockDevice.Failing.READ);
      }
    }
    try (GfsMount fs = GfsMount.open(faulty,
        TestFilesystems.mountOptions().withReadOnly(true))) {
      assertEquals(expected, reported(fs), "answered without a group header or bitmap");
    }
  }
}
