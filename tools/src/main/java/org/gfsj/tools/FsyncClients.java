package org.gfsj.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several clients at once, each creating files, writing 4 KiB into each and fsyncing it: the
 * workload of a mail or database server, and the one where a mount's threading shows, since a
 * single-threaded server makes every other client wait out each fsync.
 */
final class FsyncClients {
  static final int THREADS = 4;

  private FsyncClients() {}

  /** Creates {@code total} files in {@code dir} from {@link #THREADS} threads; files/s. */
  static double run(Path dir, int total) throws IOException {
    int each = total / THREADS;
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      long t0 = System.nanoTime();
      List<Future<Void>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int client = t;
        done.add(pool.submit(() -> {
          ByteBuffer block = ByteBuffer.allocate(4096);
          for (int i = 0; i < each; i++) {
            try (FileChannel ch = FileChannel.open(dir.resolve("c" + client + "-" + i),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
              ch.write(block.clear());
              ch.force(false);
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : done) {
        f.get();
      }
      return each * THREADS / ((System.nanoTime() - t0) / 1e9);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }
}
