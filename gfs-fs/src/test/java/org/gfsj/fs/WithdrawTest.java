package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt metadata found at run time withdraws the mount: EIO from then on, never a crash. */
class WithdrawTest {
  @TempDir Path dir;

  @Test
  void aBadChecksumWithdrawsTheMount() throws Exception {
    Path image = TestFilesystems.image(dir, 64);
    long ino;
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      ino = fs.mkdir(fs.root(), "victim", 0755, Caller.ROOT).ino();
    }
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      long at = ino * TestFilesystems.BS + 300;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x5a);
    }
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      FsException e = assertThrows(FsException.class,
          () -> fs.lookup(fs.root(), "victim", Caller.ROOT));
      assertEquals(Errno.EIO, e.errno());
      assertTrue(e.getMessage().contains("block " + ino) && e.getMessage().contains("fsck.gfsj"),
          e.getMessage());
      FsException after = assertThrows(FsException.class,
          () -> fs.mkdir(fs.root(), "more", 0755, Caller.ROOT));
      assertEquals(Errno.EIO, after.errno());
      assertEquals(Errno.EIO, assertThrows(FsException.class, fs::sync).errno());
    }
  }
}
