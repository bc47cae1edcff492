package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.gfsj.fs.vfs.Vfs;

/** A {@link GfsjFuse} serving a Vfs on a directory from a thread of the test's own JVM. */
final class InProcessMount implements AutoCloseable {
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(20);

  final Path dir;
  final GfsjFuse fuse;
  private final Thread serving;
  private volatile Integer status;

  private InProcessMount(Vfs vfs, Path dir, FuseOptions options) {
    this.dir = dir;
    this.fuse = new GfsjFuse(vfs);
    this.serving = new Thread(() -> status = fuse.serve(dir, options), "fuse-serve " + dir);
    serving.setDaemon(true);
  }

  static InProcessMount start(Vfs vfs, Path dir, FuseOptions options) throws Exception {
    InProcessMount m = new InProcessMount(vfs, dir, options);
    m.serving.start();
    boolean up = MountTable.await(
        () -> m.status != null || mounted(dir), MOUNT_TIMEOUT);
    if (!up || m.status != null) {
      m.close();
      throw new IOException("mount on " + dir + " did not come up (fuse_main status "
          + m.status + "); see libfuse's message on stderr");
    }
    return m;
  }

  private static boolean mounted(Path dir) {
    try {
      return MountTable.isGfsjMounted(dir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** fuse_main's status once serving ended, or null while it serves. */
  Integer status() {
    return status;
  }

  /** Unmounts (lazily if busy) and waits for the serving thread to end. */
  @Override
  public void close() throws Exception {
    if (mounted(dir)) {
      MountTable.unmount(dir, true);
    }
    serving.join(MOUNT_TIMEOUT.toMillis());
    if (serving.isAlive()) {
      throw new IOException("fuse_main on " + dir + " still serves after unmount");
    }
  }
}
