package org.gfsj.tools.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.fuse.MountTable;

/**
 * mount.gfsj without -f: starts the serving process (this command again, with -f) in its own
 * session with its output in a log file, and returns once the mount is live or the child failed.
 */
final class BackgroundMount {
  /** Replaying a full journal comes before the mount appears; give it time, but not forever. */
  static final Duration MOUNT_DEADLINE = Duration.ofSeconds(120);

  private final Path mountPoint;
  private final Path log;

  BackgroundMount(Path mountPoint, Path log) {
    this.mountPoint = mountPoint;
    this.log = log;
  }

  /**
   * Where the serving process of {@code mountPoint} writes: /var/log/gfsj if it can, else tmp.
   * Each mount appends, so that the log of a server that died stays for the operator to read.
   */
  static Path logFor(Path mountPoint) {
    String name = "mount" + mountPoint.toAbsolutePath().normalize().toString()
        .replaceAll("[^A-Za-z0-9._-]", "_") + ".log";
    Path varLog = Path.of("/var/log/gfsj");
    try {
      Files.createDirectories(varLog);
      if (Files.isWritable(varLog)) {
        return varLog.resolve(name);
      }
    } catch (IOException e) {
      // not root, or a read-only /var: the temp directory serves
    }
    return Path.of(System.getProperty("java.io.tmpdir")).resolve("gfsj-" + name);
  }

  /**
   * Starts {@code java -cp CLASSPATH MountCommand -f ARGS...} detached; returns its process once the
   * mount is on the table.
   */
  Process start(List<String> foregroundArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    // its own session: the terminal's hangup and ^C are not the filesystem's business
    cmd.add("setsid");
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv("GFSJ_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(MountCommand.class.getName());
    cmd.add("-f");
    cmd.addAll(foregroundArgs);
    Process child = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    boolean live = MountTable.await(() -> !child.isAlive() || mounted(), MOUNT_DEADLINE);
    if (live && child.isAlive()) {
      return child;
    }
    if (child.isAlive()) {
      child.destroyForcibly();
      throw new IOException("no mount on " + mountPoint + " after " + MOUNT_DEADLINE.toSeconds()
          + " s; the serving process was stopped; its log: " + log);
    }
    throw new IOException("the serving process exited with status " + child.exitValue()
        + " before the mount was live; its log: " + log + lastLines());
  }

  private boolean mounted() {
    try {
      return MountTable.isGfsjMounted(mountPoint);
    } catch (IOException e) {
      return false;
    }
  }

  private String lastLines() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 5),
          lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
