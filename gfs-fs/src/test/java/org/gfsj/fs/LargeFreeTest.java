package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freeing a file whose blocks span more resource groups than one journal transaction can hold
 * (a quarter of the log): a 1 MiB journal takes 64 log blocks at most, and a file over 48 groups
 * of 8 MiB changes about a hundred bitmap and header blocks when it goes.
 */
@Timeout(120)
class LargeFreeTest {
  private static final int BS = TestFilesystems.BS;
  private static final int CHUNK = 1 << 20;

  @TempDir Path dir;

  private Path image() throws Exception {
    Path p = dir.resolve("large.img");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(512 * TestFilesystems.MIB);
    }
    try (PathBlockDevice dev = PathBlockDevice.open(p,
        DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE))) {
      Mkfs.make(dev, new MkfsOptions(BS, LockProtocol.NOLOCK, "", 1, TestFilesystems.MIB / BS,
          8 * TestFilesystems.MIB / BS, true), (d, t) -> {});
    }
    return p;
  }

  /** Writes a 400 MiB file over about 50 groups; returns its inode, still open as {@code handle[0]}. */
  private static long bigFile(GfsMount fs, String name, long[] handle) throws Exception {
    Vfs.Created c = fs.create(fs.root(), name, 0644, OpenFlags.O_RDWR, Caller.ROOT);
    long ino = c.attributes().ino();
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    for (long off = 0; off < 400L * CHUNK; off += CHUNK) {
      fs.write(ino, c.handle(), off, chunk.clear(), Caller.ROOT);
    }
    handle[0] = c.handle();
    return ino;
  }

  private static void assertFsckClean(Path image) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, Fsck.check(image.toString(), false, false, new PrintWriter(out),
        new PrintWriter(err)), out + "\n" + err);
  }

  @Test
  void unlinkingAFileOverManyGroupsFreesEveryBlock() throws Exception {
    Path image = image();
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      long[] handle = new long[1];
      long ino = bigFile(fs, "big", handle);
      fs.release(ino, handle[0]);
      fs.unlink(fs.root(), "big", Caller.ROOT);
      fs.sync();
      FsStatistics after = fs.statfs();
      assertEquals(before.freeBlocks(), after.freeBlocks());
      assertEquals(before.freeFiles(), after.freeFiles());
    }
    assertFsckClean(image);
  }

  @Test
  void theLastCloseOfAnUnlinkedLargeFileFreesIt() throws Exception {
    Path image = image();
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      long[] handle = new long[1];
      long ino = bigFile(fs, "big", handle);
      fs.unlink(fs.root(), "big", Caller.ROOT);
      assertTrue(fs.statfs().freeBlocks() < before.freeBlocks(), "open: not freed yet");
      fs.release(ino, handle[0]);
      assertEquals(before.freeBlocks(), fs.statfs().freeBlocks());
    }
    assertFsckClean(image);
  }

  @Test
  void anUnmountWithTheUnlinkedFileStillOpenFreesIt() throws Exception {
    Path image = image();
    long free;
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      free = fs.statfs().freeBlocks();
      long[] handle = new long[1];
      bigFile(fs, "big", handle);
      fs.unlink(fs.root(), "big", Caller.ROOT);
      // Closed with the file still open: the unmount frees it in stages.
    }
    assertFsckClean(image);
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      assertEquals(free, fs.statfs().freeBlocks());
    }
  }

  @Test
  void truncatingAFileOverManyGroupsFreesItInStagesAndKeepsThePrefix() throws Exception {
    Path image = image();
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      FsStatistics before = fs.statfs();
      long[] handle = new long[1];
      long ino = bigFile(fs, "big", handle);
      ByteBuffer head = ByteBuffer.allocate(CHUNK + 100);
      for (int i = 0; i < head.capacity(); i++) {
        head.put(i, (byte) (i * 31 + 7));
      }
      fs.write(ino, handle[0], 0, head.duplicate(), Caller.ROOT);
      fs.setattr(ino, SetAttributes.size(CHUNK + 100), Caller.ROOT);
      assertEquals(CHUNK + 100, fs.getattr(ino).size());
      ByteBuffer back = ByteBuffer.allocate(CHUNK + 100);
      fs.read(ino, handle[0], 0, back);
      assertEquals(head.clear(), back.flip(), "the bytes before the new end stay");
      fs.release(ino, handle[0]);
      fs.sync();
      assertTrue(before.freeBlocks() - fs.statfs().freeBlocks() <= (CHUNK + 100) / BS + 2,
          "the blocks past the new end are free again");
    }
    assertFsckClean(image);
  }
}
