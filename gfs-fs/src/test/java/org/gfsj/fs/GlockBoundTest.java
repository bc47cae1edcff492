package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;

/**
 * A mount that creates and deletes many files keeps a bounded number of glocks: it used to keep
 * one for every inode it ever touched, deleted ones included, for the life of the mount.
 */
class GlockBoundTest {
  private static final int FILES = 75_000;
  /** GfsMount's bound (4 x 16,384 cached inodes), plus the glocks in use at any time. */
  private static final int BOUND = 4 * 16_384 + 100;

  @Test
  void creatingAndDeletingManyFilesKeepsTheGlockTableBounded() throws Exception {
    MemoryBlockDevice mem = new MemoryBlockDevice("glocks.img", TestFilesystems.BS,
        (1024 * TestFilesystems.MIB) / TestFilesystems.BS);
    TestFilesystems.mkfs(mem, 64);
    try (GfsMount fs = GfsMount.open(mem, TestFilesystems.mountOptions())) {
      int most = 0;
      // all created before any is deleted, so that no inode number is used twice
      for (int i = 0; i < FILES; i++) {
        Vfs.Created c = fs.create(fs.root(), "f" + i, 0644, OpenFlags.O_WRONLY, Caller.ROOT);
        fs.release(c.attributes().ino(), c.handle());
        most = Math.max(most, fs.glockCount());
      }
      for (int i = 0; i < FILES; i++) {
        fs.unlink(fs.root(), "f" + i, Caller.ROOT);
        most = Math.max(most, fs.glockCount());
      }
      assertTrue(most <= BOUND, "the mount kept up to " + most + " glocks");
      // still a working filesystem: a new file after all that
      Vfs.Created c = fs.create(fs.root(), "after", 0644, OpenFlags.O_WRONLY, Caller.ROOT);
      fs.release(c.attributes().ino(), c.handle());
      assertEquals(c.attributes().ino(), fs.lookup(fs.root(), "after", Caller.ROOT).ino());
    }
  }
}
