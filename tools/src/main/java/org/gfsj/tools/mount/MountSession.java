package org.gfsj.tools.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gfsj.fs.fuse.FuseOptions;
import org.gfsj.fs.fuse.GfsjFuse;
import org.gfsj.fs.fuse.MountTable;
import org.gfsj.fs.vfs.Vfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mounted filesystem served in the foreground, from mount to a clean journal.
 *
 * <p>Two ways end it. An unmount (umount, fusermount -u) ends libfuse's loop and {@link #serve}
 * returns. SIGTERM/SIGINT run {@link #stop} from a shutdown hook: it unmounts (lazily if busy) so
 * that the loop ends. Either way the Vfs is closed exactly once, after the loop has ended, so no
 * request meets a closed filesystem; the hook waits for that close before the JVM halts.
 */
final class MountSession {
  private static final Logger LOG = LoggerFactory.getLogger(MountSession.class);
  /** How long a shutdown waits for the kernel to let go of a busy mount before closing anyway. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private final Vfs vfs;
  private final Path mountPoint;
  private final FuseOptions options;
  private final GfsjFuse fuse;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);

  MountSession(Vfs vfs, Path mountPoint, FuseOptions options) {
    this.vfs = vfs;
    this.mountPoint = mountPoint;
    this.options = options;
    this.fuse = new GfsjFuse(vfs);
  }

  /** Serves until unmounted; returns fuse_main's status (nonzero: the mount failed). */
  int serve() {
    try {
      return fuse.serve(mountPoint, options);
    } finally {
      close();
    }
  }

  /** Unmounts and waits until the filesystem is closed clean (or {@link #STOP_WAIT} passed). */
  void stop() {
    try {
      if (MountTable.isGfsjMounted(mountPoint) && !MountTable.unmount(mountPoint, true)) {
        LOG.error("cannot unmount {}; the journal will be replayed by the next mount",
            mountPoint);
      }
      if (!done.await(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        LOG.warn("{} still in use after {} s; closing the filesystem under its users",
            mountPoint, STOP_WAIT.toSeconds());
        close();
      }
    } catch (IOException e) {
      LOG.error("stopping {}: {}", mountPoint, e.getMessage());
      close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      vfs.close();
      LOG.info("{} closed: written back, journal clean", mountPoint);
    } catch (IOException e) {
      LOG.error("closing {}: {}; the next mount replays the journal", mountPoint,
          e.getMessage());
    } finally {
      done.countDown();
    }
  }
}
