package org.gfsj.fs.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a connection until it ends, leader/follower style: of its threads, one at a time reads
 * /dev/fuse (the leader). A short request (lookup, create, getattr...) the leader answers itself
 * and reads on; before a request that waits or carries a MiB (read, write, fsync, fallocate) it
 * hands the reading to another thread, so that the next request is read, and its data copied
 * out of the kernel, while this one is served.
 *
 * <p>Why not every thread reading /dev/fuse at once: the kernel wakes its readers in turn, so
 * each request of a program that waits for every answer landed on another sleeping thread with
 * cold caches; one reader answering short requests at once served 10,600-13,700 creates/s where
 * eight readers served 8,700 (docs/benchmarks.md). And why not one reader passing long requests
 * to a pool: that reader then copies every write's data out of the kernel alone.
 */
final class FuseServer {
  private static final Logger LOG = LoggerFactory.getLogger(FuseServer.class);

  private final FuseDevice device;
  private final int maxWrite;
  private final int threads;

  /** {@code threads} 1: the one thread answers everything (fuse_threads=single). */
  FuseServer(FuseDevice device, int maxWrite, int threads) {
    this.device = device;
    this.maxWrite = maxWrite;
    this.threads = threads;
  }

  /** Requests during which another thread should be reading: those that wait or move data. */
  static boolean handsOff(int opcode) {
    return switch (opcode) {
      case FuseOpcode.READ, FuseOpcode.WRITE, FuseOpcode.FSYNC, FuseOpcode.FSYNCDIR,
          FuseOpcode.SYNCFS, FuseOpcode.FALLOCATE -> true;
      default -> false;
    };
  }

  /** Serves with {@code first} and {@code threads - 1} more workers until the connection ends. */
  void serve(FuseWorker first, FuseDispatcher dispatcher) throws IOException {
    if (threads == 1) {
      while (first.next()) {
        serveOne(first, dispatcher);
      }
      return;
    }
    Semaphore reading = new Semaphore(1);
    List<Thread> followers = new ArrayList<>();
    for (int i = 1; i < threads; i++) {
      FuseWorker w = new FuseWorker(device, maxWrite);
      Thread t = new Thread(() -> lead(w, dispatcher, reading), "fuse-" + i);
      t.setDaemon(true);
      followers.add(t);
      t.start();
    }
    lead(first, dispatcher, reading);
    for (Thread t : followers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * One thread's loop: waits to lead, reads and serves until it meets a request to hand off or
   * the end of the connection (which every thread then meets in turn: a read of an ended
   * connection returns at once). A request whose answer cannot be written is logged and the
   * thread serves on; only a failing read of /dev/fuse ends it.
   */
  private static void lead(FuseWorker w, FuseDispatcher dispatcher, Semaphore reading) {
    boolean leading = false;
    try {
      reading.acquire();
      leading = true;
      while (w.next()) {
        if (handsOff(w.request().opcode())) {
          reading.release();
          leading = false;
          serveOne(w, dispatcher);
          reading.acquire();
          leading = true;
        } else {
          serveOne(w, dispatcher);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.error("FUSE thread {} stops: {}", Thread.currentThread().getName(), e.toString(), e);
    } finally {
      if (leading) {
        reading.release();
      }
    }
  }

  private static void serveOne(FuseWorker w, FuseDispatcher dispatcher) {
    try {
      dispatcher.handle(w.request(), w.reply());
    } catch (IOException | RuntimeException e) {
      LOG.error("FUSE request {} (opcode {}) could not be answered: {}", w.request().unique(),
          w.request().opcode(), e.toString());
    }
  }
}
