package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a connection until it ends: one thread reads every request and answers the short ones
 * itself, and hands reads, writes, fsyncs and fallocates to a pool of threads.
 *
 * <p>Why not N threads each reading /dev/fuse: the kernel wakes its readers in turn, so every
 * request of a program that waits for each answer lands on another thread that must be woken
 * and whose caches are cold. One reader answering a create, lookup or getattr at once served
 * 13,700 creates/s where eight readers served 8,700 (docs/benchmarks.md). Requests that wait
 * (a journal commit, the disk) or move a MiB go to the pool, so that they hold up only
 * themselves and the fsyncs of several programs meet in one commit; for a 1 MiB request the
 * handoff costs little against the copy.
 */
final class FuseServer {
  private static final Logger LOG = LoggerFactory.getLogger(FuseServer.class);

  private final FuseDevice device;
  private final int maxWrite;
  private final int poolThreads;

  /** {@code poolThreads} 0: the reader answers everything itself (fuse_threads=single). */
  FuseServer(FuseDevice device, int maxWrite, int poolThreads) {
    this.device = device;
    this.maxWrite = maxWrite;
    this.poolThreads = poolThreads;
  }

  /** Requests worth another thread: those that wait or carry a lot of data. */
  static boolean offloaded(int opcode) {
    return switch (opcode) {
      case FuseOpcode.READ, FuseOpcode.WRITE, FuseOpcode.FSYNC, FuseOpcode.FSYNCDIR,
          FuseOpcode.SYNCFS, FuseOpcode.FALLOCATE -> true;
      default -> false;
    };
  }

  /** Serves with {@code reader}'s buffers on the calling thread until the connection ends. */
  void serve(FuseWorker reader, FuseDispatcher dispatcher) throws IOException {
    if (poolThreads == 0) {
      while (reader.next()) {
        dispatcher.handle(reader.request(), reader.reply());
      }
      return;
    }
    // a request buffer for each request the pool may hold, so the reader never waits for one
    // unless every pool thread is busy
    BlockingQueue<FuseRequest> spare = new ArrayBlockingQueue<>(poolThreads);
    for (int i = 0; i < poolThreads; i++) {
      spare.add(reader.newRequest());
    }
    ThreadLocal<FuseReply> replies = ThreadLocal.withInitial(() -> new FuseReply(device,
        ByteBuffer.allocateDirect(maxWrite + FuseWorker.HEADROOM)));
    ExecutorService pool = Executors.newFixedThreadPool(poolThreads, r -> {
      Thread t = new Thread(r, "fuse-pool");
      t.setDaemon(true);
      return t;
    });
    try {
      FuseRequest current = reader.request();
      while (reader.next(current)) {
        if (!offloaded(current.opcode())) {
          dispatcher.handle(current, reader.reply());
          continue;
        }
        FuseRequest handed = current;
        current = take(spare);
        pool.execute(() -> {
          try {
            dispatcher.handle(handed, replies.get());
          } catch (IOException | RuntimeException e) {
            LOG.error("FUSE request {} (opcode {}) could not be answered: {}", handed.unique(),
                handed.opcode(), e.toString());
          } finally {
            spare.add(handed);
          }
        });
      }
    } finally {
      pool.shutdown();
      awaitQuietly(pool);
    }
  }

  private static FuseRequest take(BlockingQueue<FuseRequest> spare) throws IOException {
    try {
      return spare.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the pool held every request buffer", e);
    }
  }

  /** In-flight requests finish; their answers go nowhere once the connection has ended. */
  private static void awaitQuietly(ExecutorService pool) {
    try {
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("FUSE requests still running 30 s after the connection ended");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
