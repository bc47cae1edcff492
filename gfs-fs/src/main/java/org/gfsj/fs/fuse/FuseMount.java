package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * The mount(2) that attaches a /dev/fuse connection to a directory, as fusermount makes it for
 * libfuse: type {@code fuse.gfsj}, source the device's name, so /proc/mounts reads
 * {@code DEVICE DIR fuse.gfsj}. Always {@code nosuid,nodev} (libfuse's defaults) and
 * {@code default_permissions}: the kernel checks each caller's permissions as for a local
 * filesystem, with the ACLs this front hands it (FUSE_POSIX_ACL); the Vfs checks again.
 */
final class FuseMount {
  private static final int ROOT_MODE_DIRECTORY = 040000;

  private FuseMount() {}

  /** The option string of mount(2) for a connection on descriptor {@code fd}. */
  static String data(int fd, FuseOptions options) {
    StringBuilder b = new StringBuilder();
    b.append("fd=").append(fd);
    b.append(",rootmode=").append(Integer.toOctalString(ROOT_MODE_DIRECTORY));
    b.append(",user_id=0,group_id=0");
    b.append(",default_permissions");
    if (options.allowOther()) {
      b.append(",allow_other");
    }
    return b.toString();
  }

  static long flags(FuseOptions options) {
    long flags = FuseSyscalls.MS_NOSUID | FuseSyscalls.MS_NODEV;
    if (options.readOnly()) {
      flags |= FuseSyscalls.MS_RDONLY;
    }
    return flags;
  }

  /** Mounts the connection of {@code device} on {@code dir}. */
  static void mount(FuseSyscalls libc, FuseDevice device, Path dir, FuseOptions options)
      throws IOException {
    String target = dir.toAbsolutePath().normalize().toString();
    int rc = libc.mount(options.device(), target, "fuse.gfsj", flags(options),
        data(device.fd(), options));
    if (rc != 0) {
      int errno = LastError.getLastError(Runtime.getRuntime(libc));
      String why = switch (errno) {
        case FuseSyscalls.EPERM -> "mounting needs root (CAP_SYS_ADMIN)";
        case FuseSyscalls.ENOENT -> target + " does not exist";
        case FuseSyscalls.ENODEV -> "the kernel has no FUSE (modprobe fuse)";
        default -> "errno " + errno;
      };
      throw new IOException("cannot mount " + options.device() + " on " + target + ": " + why);
    }
  }
}
