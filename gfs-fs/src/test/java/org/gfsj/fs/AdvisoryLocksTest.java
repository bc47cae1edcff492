package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.fs.vfs.Vfs.ByteRangeLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** fcntl byte-range locks and flock through the Vfs. */
@Timeout(60)
class AdvisoryLocksTest {
  @TempDir Path dir;

  private static ByteRangeLock lock(int type, long start, long end, long owner) {
    return new ByteRangeLock(type, start, end, owner, (int) owner);
  }

  @Test
  void byteRangeLocksConflictSplitAndWait() throws Exception {
    try (GfsMount fs = GfsMount.open(TestFilesystems.image(dir, 64).toString(),
        TestFilesystems.mountOptions())) {
      Vfs.Created c = fs.create(fs.root(), "f", 0644, OpenFlags.O_RDWR, Caller.ROOT);
      long f = c.attributes().ino();
      long h1 = c.handle();
      long h2 = fs.open(f, OpenFlags.O_RDWR, Caller.ROOT);
      fs.setlk(f, h1, lock(Vfs.F_WRLCK, 0, 99, 1), false);
      fs.setlk(f, h2, lock(Vfs.F_RDLCK, 100, 199, 2), false);
      FsException e = assertThrows(FsException.class,
          () -> fs.setlk(f, h2, lock(Vfs.F_RDLCK, 50, 60, 2), false));
      assertEquals(Errno.EAGAIN, e.errno());
      assertEquals(1, fs.getlk(f, h2, lock(Vfs.F_WRLCK, 0, 10, 2)).owner());
      // Owner 1 unlocks the middle of its range: bytes 40..59 are free, the rest still held.
      fs.setlk(f, h1, lock(Vfs.F_UNLCK, 40, 59, 1), false);
      fs.setlk(f, h2, lock(Vfs.F_WRLCK, 40, 59, 2), false);
      assertEquals(Vfs.F_WRLCK, fs.getlk(f, h2, lock(Vfs.F_RDLCK, 60, 60, 2)).type());
      assertEquals(Vfs.F_RDLCK, fs.getlk(f, h1, lock(Vfs.F_WRLCK, 150, 150, 1)).type());

      CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
        try {
          fs.setlk(f, h2, lock(Vfs.F_WRLCK, 0, 10, 2), true);
        } catch (Exception x) {
          throw new RuntimeException(x);
        }
      });
      assertFalse(waiter.isDone(), "owner 1 still holds bytes 0..10");
      fs.setlk(f, h1, lock(Vfs.F_UNLCK, 0, Long.MAX_VALUE, 1), false);
      waiter.get(30, TimeUnit.SECONDS);
      assertEquals(2, fs.getlk(f, h1, lock(Vfs.F_RDLCK, 5, 5, 1)).owner());
    }
  }

  @Test
  void flockBelongsToTheOpenFile() throws Exception {
    try (GfsMount fs = GfsMount.open(TestFilesystems.image(dir, 64).toString(),
        TestFilesystems.mountOptions())) {
      Vfs.Created c = fs.create(fs.root(), "f", 0644, OpenFlags.O_RDWR, Caller.ROOT);
      long f = c.attributes().ino();
      long a = c.handle();
      long b = fs.open(f, OpenFlags.O_RDONLY, Caller.ROOT);
      fs.flock(f, a, Vfs.LOCK_SH);
      fs.flock(f, b, Vfs.LOCK_SH | Vfs.LOCK_NB);
      assertEquals(Errno.EAGAIN, assertThrows(FsException.class,
          () -> fs.flock(f, b, Vfs.LOCK_EX | Vfs.LOCK_NB)).errno());
      CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
        try {
          fs.flock(f, b, Vfs.LOCK_EX);
        } catch (Exception x) {
          throw new RuntimeException(x);
        }
      });
      assertFalse(waiter.isDone(), "handle a still holds a shared lock");
      fs.release(f, a);
      waiter.get(30, TimeUnit.SECONDS);
    }
  }
}
