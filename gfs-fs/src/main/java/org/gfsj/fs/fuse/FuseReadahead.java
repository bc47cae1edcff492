package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the kernel's readahead for a FUSE mount: its backing device's {@code read_ahead_kb} in
 * sysfs. FUSE negotiates at most the kernel's default (128 KiB) in INIT, one read request's worth,
 * so a sequential reader waits for each request in turn; with a larger window the kernel keeps
 * several reads in flight. The value must be written after the INIT reply, which would otherwise
 * lower it again.
 */
final class FuseReadahead {
  private static final Logger LOG = LoggerFactory.getLogger(FuseReadahead.class);

  private FuseReadahead() {}

  /** Sets {@code kb} on the mount at {@code mountPoint}; logs and carries on when it cannot. */
  static void apply(Path mountPoint, int kb) {
    if (kb <= 0) {
      return;
    }
    try {
      String device = deviceOf(mountPoint.toAbsolutePath().normalize().toString(),
          Files.readAllLines(Path.of("/proc/self/mountinfo")));
      if (device == null) {
        LOG.warn("{} is not in /proc/self/mountinfo; readahead left as the kernel set it",
            mountPoint);
        return;
      }
      Files.writeString(Path.of("/sys/class/bdi", device, "read_ahead_kb"), Integer.toString(kb));
    } catch (IOException e) {
      LOG.warn("cannot set readahead of {} to {} KiB ({}); sequential reads will be slower;"
          + " mount as root or pass readahead=0", mountPoint, kb, e.toString());
    }
  }

  /**
   * The "major:minor" of the newest mount at {@code mountPoint} in mountinfo lines (fields: id,
   * parent, major:minor, root, mount point with spaces and the like as octal escapes, ...).
   */
  static String deviceOf(String mountPoint, List<String> mountinfo) {
    String found = null;
    for (String line : mountinfo) {
      String[] f = line.split(" ");
      if (f.length > 4 && MountTable.unescape(f[4]).equals(mountPoint)) {
        found = f[2];
      }
    }
    return found;
  }
}
