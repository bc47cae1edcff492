package org.gfsj.journal.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What Linux says about a block special file: its device number, size and users, read from sysfs
 * and /proc because Java has no ioctl.
 */
final class BlockSpecial {
  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;

  private final Path path;
  private final Path sysfs;

  private BlockSpecial(Path path, Path sysfs) {
    this.path = path;
    this.sysfs = sysfs;
  }

  /** The block special file at {@code path}, or null when it is something else (an image file). */
  static BlockSpecial of(Path path) throws IOException {
    if (!Files.exists(path)) {
      return null;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode");
    if ((mode & S_IFMT) != S_IFBLK) {
      return null;
    }
    long rdev = (Long) Files.getAttribute(path, "unix:rdev");
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    return new BlockSpecial(path, Path.of("/sys/dev/block/" + major + ":" + minor));
  }

  /** The device size in bytes: sysfs counts 512-byte sectors whatever the logical block size. */
  long sizeBytes() throws IOException {
    String sectors = Files.readString(sysfs.resolve("size")).trim();
    return Long.parseLong(sectors) * 512;
  }

  /**
   * Refuses a device that a kernel filesystem has mounted or that another driver holds (device
   * mapper, md): the Linux exclusive-open check, done by hand.
   */
  void checkNotInUse(String name) throws IOException {
    Path holders = sysfs.resolve("holders");
    if (Files.isDirectory(holders)) {
      try (Stream<Path> s = Files.list(holders)) {
        List<String> users = s.map(p -> p.getFileName().toString()).toList();
        if (!users.isEmpty()) {
          throw new BlockDeviceException(name, "is held by " + String.join(", ", users)
              + " (device mapper or md); release it first");
        }
      }
    }
    Path real = path.toRealPath();
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 2 && f[0].startsWith("/dev/")) {
        Path source = Path.of(f[0]);
        if (Files.exists(source) && source.toRealPath().equals(real)) {
          throw new BlockDeviceException(name, "is mounted at " + f[1] + " as " + f[2]
              + "; unmount it first");
        }
      }
    }
  }
}
