package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** The kernel's table of mounts, /proc/self/mounts, as far as FUSE mounts need it. */
public final class MountTable {
  private static final Path MOUNTS = Path.of("/proc/self/mounts");
  /** How often a wait looks again; short against a mount's latency, long against busy-looping. */
  private static final long POLL_MILLIS = 20;

  private MountTable() {}

  /** One line of the table. */
  public record Mount(String source, Path target, String type, String options) {}

  /** The mount whose target is {@code dir}, if any (the last one, as the kernel shows it). */
  public static Optional<Mount> at(Path dir) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    Mount found = null;
    for (String line : Files.readAllLines(MOUNTS)) {
      String[] f = line.split(" ");
      if (f.length >= 4 && Path.of(unescape(f[1])).equals(target)) {
        found = new Mount(unescape(f[0]), target, f[2], f[3]);
      }
    }
    return Optional.ofNullable(found);
  }

  /** Whether a GFSJ FUSE mount (type fuse.gfsj) is on {@code dir}. */
  public static boolean isGfsjMounted(Path dir) throws IOException {
    return at(dir).filter(m -> m.type().equals("fuse.gfsj")).isPresent();
  }

  /** Whether a GFSJ FUSE mount of {@code source} (the device as mount.gfsj names it) is listed. */
  public static boolean isGfsjSource(String source) throws IOException {
    for (String line : Files.readAllLines(MOUNTS)) {
      String[] f = line.split(" ");
      if (f.length >= 3 && f[2].equals("fuse.gfsj") && unescape(f[0]).equals(source)) {
        return true;
      }
    }
    return false;
  }

  /** Waits until {@code condition} holds; false if {@code timeout} passed first. */
  public static boolean await(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(POLL_MILLIS);
    }
    return true;
  }

  /** Waits until a GFSJ mount is on {@code dir} ({@code present}) or is gone (not present). */
  public static boolean awaitGfsjMount(Path dir, boolean present, Duration timeout)
      throws InterruptedException {
    return await(() -> {
      try {
        return isGfsjMounted(dir) == present;
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + MOUNTS + ": " + e.getMessage(), e);
      }
    }, timeout);
  }

  /** /proc/mounts writes space, tab, newline and backslash as octal escapes. */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder b = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }

  /**
   * Unmounts a FUSE mount as its owner would: {@code fusermount -u}; if the mount is busy and
   * {@code lazyIfBusy}, detaches it with {@code -uz} so that it goes once its last user leaves.
   * Returns whether the mount is gone from the table (or detached).
   */
  public static boolean unmount(Path dir, boolean lazyIfBusy) throws IOException,
      InterruptedException {
    if (run(List.of("fusermount", "-u", dir.toString())) == 0) {
      return true;
    }
    return lazyIfBusy && run(List.of("fusermount", "-u", "-z", dir.toString())) == 0;
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor();
  }
}
