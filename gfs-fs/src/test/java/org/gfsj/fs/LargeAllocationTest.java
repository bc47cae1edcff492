package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * fallocate of a range over more resource groups than one journal transaction can hold: a journal
 * of 64 blocks takes transactions of 16 log blocks at most, and a range over 20 groups of 2 MiB
 * changes about 40 bitmap and header blocks. The allocation goes in stages, and a crash between
 * two of them leaves a filesystem fsck finds clean.
 */
@Timeout(120)
class LargeAllocationTest {
  private static final int BS = TestFilesystems.BS;
  private static final long MIB = TestFilesystems.MIB;
  private static final long RANGE = 40 * MIB;

  private static MemoryBlockDevice tinyJournal() throws IOException {
    MemoryBlockDevice d = new MemoryBlockDevice("tiny-journal.img", BS, 64 * MIB / BS);
    Mkfs.make(d, new MkfsOptions(BS, LockProtocol.NOLOCK, "", 1, 64, 2 * MIB / BS, true),
        (done, total) -> {});
    return d;
  }

  private static void assertFsckClean(MemoryBlockDevice disk) throws IOException {
    StringWriter out = new StringWriter();
    Fsck.Result r = Fsck.run(FileSystemReader.of(disk), false, false, new PrintWriter(out));
    assertEquals(0, r.exitCode(), out.toString());
  }

  @Test
  void fallocateOverManyGroupsWorksWithASmallJournal() throws Exception {
    MemoryBlockDevice disk = tinyJournal();
    try (GfsMount fs = GfsMount.open(disk, TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      Vfs.Created c = fs.create(fs.root(), "big", 0644, OpenFlags.O_RDWR, Caller.ROOT);
      long ino = c.attributes().ino();
      fs.write(ino, c.handle(), 0, TestFilesystems.bytes("head"), Caller.ROOT);
      fs.fallocate(ino, 0, MIB, RANGE, Caller.ROOT);
      Attributes a = fs.getattr(ino);
      assertEquals(MIB + RANGE, a.size());
      long taken = before.freeBlocks() - fs.statfs().freeBlocks();
      assertTrue(taken >= RANGE / BS, "every block of the range is allocated: " + taken);
      ByteBuffer back = ByteBuffer.allocate(8);
      fs.read(ino, c.handle(), MIB + RANGE - 8, back);
      assertEquals(ByteBuffer.allocate(8), back.flip(), "an allocated range reads as zeros");
      fs.release(ino, c.handle());
    }
    assertFsckClean(disk);
  }

  @Test
  void aCrashBetweenStagesLeavesAConsistentFile() throws Exception {
    MemoryBlockDevice fresh = tinyJournal();
    long ino;
    try (GfsMount fs = GfsMount.open(fresh, TestFilesystems.mountOptions())) {
      Vfs.Created c = fs.create(fs.root(), "big", 0644, OpenFlags.O_RDWR, Caller.ROOT);
      ino = c.attributes().ino();
      fs.release(ino, c.handle());
    }
    FaultInjectingBlockDevice counting = new FaultInjectingBlockDevice(fresh.copy("count.img"));
    try (GfsMount fs = GfsMount.open(counting, TestFilesystems.mountOptions())) {
      fs.fallocate(ino, 0, 0, RANGE, Caller.ROOT);
    }
    long writes = counting.writeCount();
    boolean sawAStage = false;
    for (int p = 1; p < 12; p++) {
      MemoryBlockDevice disk = fresh.copy("crash-" + p + ".img");
      FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(disk)
          .crashAfterWrite(p * writes / 12);
      try (GfsMount fs = GfsMount.open(faulty, TestFilesystems.mountOptions())) {
        fs.fallocate(ino, 0, 0, RANGE, Caller.ROOT);
        fs.sync();
      } catch (IOException e) {
        assertTrue(faulty.crashed(), "the fallocate failed without a crash: " + e);
      }
      try (GfsMount fs = GfsMount.open(disk, TestFilesystems.mountOptions())) {
        long size = fs.getattr(ino).size();
        sawAStage |= size > 0 && size < RANGE;
      }
      assertFsckClean(disk);
    }
    assertTrue(sawAStage, "some crash fell between two stages");
  }
}
