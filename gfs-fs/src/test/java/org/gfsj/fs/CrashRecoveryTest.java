package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crashes the device at many points of a stream of operations, then mounts what is left: the
 * journal replays, the reachable tree is consistent, no inode leaks or is freed twice, every file
 * fsync'd before the crash reads back intact, and the filesystem takes new writes.
 */
@Timeout(120)
class CrashRecoveryTest {
  private static final int BS = TestFilesystems.BS;
  private static MemoryBlockDevice fresh;
  private static long baselineDinodes;

  @BeforeAll
  static void makeFilesystem() throws Exception {
    fresh = new MemoryBlockDevice("crash.img", BS, 32 * TestFilesystems.MIB / BS);
    TestFilesystems.mkfs(fresh, 8);
    MemoryBlockDevice probe = fresh.copy("probe.img");
    try (GfsMount fs = GfsMount.open(probe, TestFilesystems.mountOptions())) {
      FsStatistics s = fs.statfs();
      baselineDinodes = s.files() - s.freeFiles();
    }
  }

  /** The operations, the same for every crash point; records what was fsync'd. */
  private static void workload(Vfs fs, Map<String, byte[]> synced) throws IOException {
    Random r = new Random(42);
    Caller root = Caller.ROOT;
    long dir = fs.mkdir(fs.root(), "work", 0755, root).ino();
    for (int i = 0; i < 40; i++) {
      String name = "f" + i;
      Vfs.Created c = fs.create(dir, name, 0644, OpenFlags.O_WRONLY, root);
      byte[] data = new byte[r.nextInt(3) == 0 ? r.nextInt(40_000) : r.nextInt(3000)];
      r.nextBytes(data);
      fs.write(c.attributes().ino(), c.handle(), 0, ByteBuffer.wrap(data), root);
      if (i % 3 == 0 && i % 5 != 2) {
        fs.fsync(c.attributes().ino(), c.handle(), false);
        synced.put(name, data);
      }
      fs.release(c.attributes().ino(), c.handle());
      switch (i % 5) {
        case 1 -> fs.rename(dir, name, fs.root(), "moved" + i, 0, root);
        case 2 -> fs.mkdir(dir, "d" + i, 0755, root);
        case 4 -> fs.unlink(dir, "f" + (i - 2), root);
        default -> fs.link(c.attributes().ino(), fs.root(), "link" + i, root);
      }
    }
  }

  private static int run(BlockDevice device, Map<String, byte[]> synced) {
    try (GfsMount fs = GfsMount.open(device, TestFilesystems.mountOptions())) {
      workload(fs, synced);
      return -1;
    } catch (IOException e) {
      if (!(device instanceof FaultInjectingBlockDevice f) || !f.crashed()) {
        throw new AssertionError("the workload failed without a crash", e);
      }
      return 0;
    }
  }

  @Test
  void everyCrashPointRecoversConsistent() throws Exception {
    FaultInjectingBlockDevice counting = new FaultInjectingBlockDevice(fresh.copy("count.img"));
    assertEquals(-1, run(counting, new LinkedHashMap<>()));
    long writes = counting.writeCount();
    assertTrue(writes > 50, "the workload writes (" + writes + ")");
    int points = 40;
    for (int p = 0; p < points; p++) {
      long crashAt = 1 + p * writes / points + (p % 3);
      MemoryBlockDevice disk = fresh.copy("crash-" + crashAt + ".img");
      FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(disk)
          .crashAfterWrite(crashAt).tearCrashingWrite(crashAt);
      Map<String, byte[]> synced = new LinkedHashMap<>();
      run(faulty, synced);
      try (GfsMount fs = GfsMount.open(disk, TestFilesystems.mountOptions())) {
        int reachable = TreeCheck.check(fs);
        FsStatistics s = fs.statfs();
        assertEquals(baselineDinodes + reachable - 1, s.files() - s.freeFiles(),
            "dinodes allocated vs reachable after a crash at write " + crashAt);
        for (Map.Entry<String, byte[]> f : synced.entrySet()) {
          long ino = findSynced(fs, f.getKey());
          ByteBuffer b = ByteBuffer.allocate(f.getValue().length);
          fs.read(ino, Vfs.NO_HANDLE, 0, b);
          assertArrayEquals(f.getValue(), b.array(), f.getKey() + " after a crash at write "
              + crashAt);
        }
        Vfs.Created c = fs.create(fs.root(), "after", 0644, OpenFlags.O_WRONLY, Caller.ROOT);
        fs.write(c.attributes().ino(), c.handle(), 0, TestFilesystems.bytes("ok"), Caller.ROOT);
        fs.release(c.attributes().ino(), c.handle());
      }
    }
  }

  /** An fsync'd file is reachable under its name or the name a later rename gave it. */
  private static long findSynced(Vfs fs, String name) throws IOException {
    long work = fs.lookup(fs.root(), "work", Caller.ROOT).ino();
    int i = Integer.parseInt(name.substring(1));
    try {
      return fs.lookup(work, name, Caller.ROOT).ino();
    } catch (org.gfsj.fs.vfs.FsException e) {
      return fs.lookup(fs.root(), i % 5 == 1 ? "moved" + i : "link" + i, Caller.ROOT).ino();
    }
  }
}
