package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads call the Vfs at once, as FUSE's worker threads do, with fsyncs waiting for the
 * journal while others carry on and a small journal that must be made room in: nothing deadlocks,
 * and the tree and every file are as written, before and after a remount.
 */
@Timeout(120)
class ConcurrentCallersTest {
  @TempDir Path dir;

  @Test
  void threadsCreateWriteSyncAndUnlinkTogether() throws Exception {
    Path image = TestFilesystems.image(dir, 64);
    int threads = 4;
    int files = 60;
    List<byte[][]> written = new ArrayList<>();
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<byte[][]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        results.add(pool.submit(() -> {
          Random r = new Random(id);
          long d = fs.mkdir(fs.root(), "t" + id, 0755, Caller.ROOT).ino();
          byte[][] contents = new byte[files][];
          for (int i = 0; i < files; i++) {
            Vfs.Created c = fs.create(d, "f" + i, 0644, OpenFlags.O_WRONLY, Caller.ROOT);
            contents[i] = new byte[r.nextInt(20_000)];
            r.nextBytes(contents[i]);
            fs.write(c.attributes().ino(), c.handle(), 0, ByteBuffer.wrap(contents[i]),
                Caller.ROOT);
            if (i % 4 == 0) {
              fs.fsync(c.attributes().ino(), c.handle(), false);
            }
            fs.release(c.attributes().ino(), c.handle());
            if (i % 3 == 2) {
              fs.unlink(d, "f" + (i - 1), Caller.ROOT);
              contents[i - 1] = null;
            }
          }
          return contents;
        }));
      }
      for (Future<byte[][]> f : results) {
        written.add(f.get());
      }
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      verify(fs, written);
    }
    try (GfsMount fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions())) {
      verify(fs, written);
    }
  }

  private static void verify(GfsMount fs, List<byte[][]> written) throws Exception {
    TreeCheck.check(fs);
    for (int t = 0; t < written.size(); t++) {
      long d = fs.lookup(fs.root(), "t" + t, Caller.ROOT).ino();
      int present = 0;
      for (int i = 0; i < written.get(t).length; i++) {
        byte[] expected = written.get(t)[i];
        if (expected == null) {
          continue;
        }
        present++;
        long ino = fs.lookup(d, "f" + i, Caller.ROOT).ino();
        ByteBuffer b = ByteBuffer.allocate(expected.length);
        fs.read(ino, Vfs.NO_HANDLE, 0, b);
        assertArrayEquals(expected, b.array(), "t" + t + "/f" + i);
      }
      assertEquals(present + 2, fs.readdir(d, 0, 1000, Caller.ROOT).size());
    }
  }
}
