package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gfsj.fs.fuse.MountTable;

/**
 * The mounts and serving processes one test made, so that every one is unmounted and stopped when
 * the test ends, also when it fails: {@link #close} unmounts (fusermount -u, then -uz if busy) and
 * kills the serving processes it still finds, by pid.
 */
final class GfsjMounts implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Pattern SERVED_BY = Pattern.compile("served by pid (\\d+)");

  private final List<Path> mountPoints = new ArrayList<>();
  private final List<ProcessHandle> servers = new ArrayList<>();

  /**
   * FUSE needs read-write /dev/fuse. In CI (CI set) its absence fails the test, so that a broken
   * runner cannot pass by skipping; elsewhere the test is skipped with the reason.
   */
  static void requireFuse() {
    boolean fuse = Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse"));
    String why = "FUSE mounts need read-write /dev/fuse and fusermount; run as root";
    if (System.getenv("CI") != null) {
      assertTrue(fuse, why);
    } else {
      assumeTrue(fuse, why);
    }
  }

  /** mount.gfsj in background mode; returns the serving process once the mount is live. */
  ProcessHandle mount(Path image, Path dir, String... options) throws Exception {
    mountPoints.add(dir);
    List<String> args = new ArrayList<>(List.of("-v"));
    if (options.length > 0) {
      args.add("-o");
      args.add(String.join(",", options));
    }
    args.add(image.toString());
    args.add(dir.toString());
    Commands.Result r = Commands.run(Commands.mountGfsj(args.toArray(String[]::new)))
        .expect(0, "mount.gfsj " + image + " " + dir);
    assertTrue(MountTable.isGfsjMounted(dir), "mount.gfsj returned before " + dir + " was live");
    Matcher m = SERVED_BY.matcher(r.output());
    assertTrue(m.find(), "mount.gfsj -v names the serving process: " + r.output());
    ProcessHandle server = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
    servers.add(server);
    return server;
  }

  /** Registers a foreground server (mount.gfsj -f) so that close stops it too. */
  void adopt(Path dir, ProcessHandle server) {
    mountPoints.add(dir);
    servers.add(server);
  }

  /**
   * Registers a mount point whose server this test does not know by pid (mount(8) started it):
   * close unmounts it, and a server ends when its mount goes.
   */
  void watch(Path dir) {
    mountPoints.add(dir);
  }

  /**
   * umount(8) as a user runs it, then waits for the serving process to end: the kernel returns
   * from umount before the server has written back, so a test that reads the image must wait.
   */
  static void umount(Path dir, ProcessHandle server) throws Exception {
    Commands.run("umount", dir.toString()).expect(0, "umount " + dir);
    awaitExit(server);
  }

  static void awaitExit(ProcessHandle server) throws Exception {
    assertTrue(MountTable.await(() -> !server.isAlive(), DEADLINE),
        "serving process " + server.pid() + " still runs " + DEADLINE.toSeconds()
            + " s after its unmount");
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (Path dir : mountPoints) {
      try {
        if (MountTable.isGfsjMounted(dir)) {
          MountTable.unmount(dir, true);
        }
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    for (ProcessHandle p : servers) {
      // a clean unmount ends the server on its own; give it the time to write back first
      if (!MountTable.await(() -> !p.isAlive(), Duration.ofSeconds(20))) {
        p.destroyForcibly();
        MountTable.await(() -> !p.isAlive(), Duration.ofSeconds(10));
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
