package org.gfsj.lockd.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tmpfs mounted on a test's directory, for a data directory with a property the machine's
 * disk lacks (little room, noexec); unmounted by {@link #close}. Needs root: the test is
 * skipped without it (CI runs as root).
 */
public final class Tmpfs implements AutoCloseable {
  private final Path at;

  private Tmpfs(Path at) {
    this.at = at;
  }

  /** Mounts a tmpfs with mount(8) {@code options} (e.g. "size=16m,noexec") on {@code at}. */
  public static Tmpfs mount(Path at, String options) throws IOException, InterruptedException {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting tmpfs needs root");
    Files.createDirectories(at);
    run("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString());
    return new Tmpfs(at);
  }

  public Path path() {
    return at;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run("umount", at.toString());
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
