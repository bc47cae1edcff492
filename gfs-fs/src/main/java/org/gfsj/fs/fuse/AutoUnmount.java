package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * FUSE's {@code auto_unmount}: if the serving process dies (kill -9, a crash), its mount goes
 * away instead of leaving a directory that answers ENOTCONN. A small shell watches a pipe from
 * this process; the kernel closes the pipe when the process ends, however it ends. The shell
 * then unmounts (lazily) only if the directory no longer answers, so a clean unmount followed by
 * a new mount on the same directory is never touched.
 */
final class AutoUnmount implements AutoCloseable {
  private static final String SCRIPT =
      "cat >/dev/null; stat -- \"$0\" >/dev/null 2>&1 || exec umount -l -- \"$0\"";

  private final Process watcher;

  private AutoUnmount(Process watcher) {
    this.watcher = watcher;
  }

  static AutoUnmount watch(Path mountPoint) throws IOException {
    Process p = new ProcessBuilder(List.of("sh", "-c", SCRIPT,
        mountPoint.toAbsolutePath().normalize().toString()))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    return new AutoUnmount(p);
  }

  /** The serving process ends cleanly: nothing to watch any more. */
  @Override
  public void close() {
    watcher.descendants().forEach(ProcessHandle::destroy);
    watcher.destroy();
  }
}
