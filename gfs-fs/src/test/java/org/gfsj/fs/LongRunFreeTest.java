package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Freeing one contiguous run that touches more bitmap blocks than one journal transaction holds:
 * with 1 KiB blocks a bitmap block covers 4,000 blocks, a 64-block journal takes transactions of
 * about a dozen blocks, and a 100 MiB file written into one 128 MiB group is a single extent over
 * 26 bitmap blocks. Its free is cut into stages.
 */
@Timeout(120)
class LongRunFreeTest {
  private static final int BS = 1024;
  private static final long MIB = TestFilesystems.MIB;
  private static final long FILE = 100 * MIB;

  private static MemoryBlockDevice image() throws IOException {
    MemoryBlockDevice d = new MemoryBlockDevice("long-run.img", BS, 320 * MIB / BS);
    Mkfs.make(d, new MkfsOptions(BS, LockProtocol.NOLOCK, "", 1, 64, 128 * MIB / BS, true),
        (done, total) -> {});
    return d;
  }

  /** Writes one file of {@link #FILE} bytes in small writes; returns its inode, still open. */
  private static Vfs.Created longRun(GfsMount fs) throws IOException {
    Vfs.Created c = fs.create(fs.root(), "run", 0644, OpenFlags.O_RDWR, Caller.ROOT);
    ByteBuffer chunk = ByteBuffer.allocate(256 << 10);
    for (long off = 0; off < FILE; off += chunk.capacity()) {
      fs.write(c.attributes().ino(), c.handle(), off, chunk.clear(), Caller.ROOT);
    }
    assertTrue(FILE / BS / Bitmap.blocksPerBitmapBlock(BS) > 20, "over 20 bitmap blocks");
    return c;
  }

  private static void assertFsckClean(MemoryBlockDevice disk) throws IOException {
    StringWriter out = new StringWriter();
    Fsck.Result r = Fsck.run(FileSystemReader.of(disk), false, false, new PrintWriter(out));
    assertEquals(0, r.exitCode(), out.toString());
  }

  @Test
  void unlinkingOneLongRunFreesItInStages() throws Exception {
    MemoryBlockDevice disk = image();
    try (GfsMount fs = GfsMount.open(disk, TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      Vfs.Created c = longRun(fs);
      fs.release(c.attributes().ino(), c.handle());
      fs.unlink(fs.root(), "run", Caller.ROOT);
      fs.sync();
      assertEquals(before.freeBlocks(), fs.statfs().freeBlocks());
    }
    assertFsckClean(disk);
  }

  @Test
  void truncatingOneLongRunCutsItInStages() throws Exception {
    MemoryBlockDevice disk = image();
    try (GfsMount fs = GfsMount.open(disk, TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      Vfs.Created c = longRun(fs);
      long ino = c.attributes().ino();
      fs.write(ino, c.handle(), MIB, TestFilesystems.bytes("kept"), Caller.ROOT);
      fs.setattr(ino, SetAttributes.size(MIB + 4), Caller.ROOT);
      assertEquals(MIB + 4, fs.getattr(ino).size());
      ByteBuffer back = ByteBuffer.allocate(4);
      fs.read(ino, c.handle(), MIB, back);
      assertEquals(TestFilesystems.bytes("kept"), back.flip());
      fs.release(ino, c.handle());
      fs.sync();
      assertTrue(before.freeBlocks() - fs.statfs().freeBlocks() <= MIB / BS + 4,
          "the blocks past the new end are free again");
    }
    assertFsckClean(disk);
  }
}
