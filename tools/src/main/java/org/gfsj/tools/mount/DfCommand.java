package org.gfsj.tools.mount;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.gfsj.fs.fuse.MountTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gfs-tool df MOUNTPOINT}: space and inodes of a mounted GFSJ filesystem, as the mount
 * answers statfs(2) (the same numbers df and df -i show), with the device it serves.
 */
@Command(
    name = "df",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = 1,
    description = "Show the space and inodes of a mounted GFSJ filesystem.")
public final class DfCommand implements Callable<Integer> {
  /** libc's statvfs(3). */
  public interface LibC {
    int statvfs(String path, Statvfs buf);
  }

  /** {@code struct statvfs} of glibc on 64-bit Linux (the fields df reads, then the rest). */
  public static final class Statvfs extends jnr.ffi.Struct {
    final UnsignedLong fBsize = new UnsignedLong();
    final UnsignedLong fFrsize = new UnsignedLong();
    final u_int64_t fBlocks = new u_int64_t();
    final u_int64_t fBfree = new u_int64_t();
    final u_int64_t fBavail = new u_int64_t();
    final u_int64_t fFiles = new u_int64_t();
    final u_int64_t fFfree = new u_int64_t();
    final u_int64_t fFavail = new u_int64_t();
    final UnsignedLong fFsid = new UnsignedLong();
    final UnsignedLong fFlag = new UnsignedLong();
    final UnsignedLong fNamemax = new UnsignedLong();
    final Signed32[] spare = array(new Signed32[6]);

    Statvfs(Runtime runtime) {
      super(runtime);
    }
  }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MOUNTPOINT", description = "Where a GFSJ filesystem is mounted.")
  Path mountPoint;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Optional<MountTable.Mount> mount = MountTable.at(mountPoint);
      if (mount.isEmpty() || !mount.get().type().equals("fuse.gfsj")) {
        err.println("gfs-tool df: " + mountPoint + " is not a GFSJ mount point (see mount -t"
            + " fuse.gfsj)");
        return 1;
      }
      LibC libc = LibraryLoader.create(LibC.class).load("c");
      Statvfs st = new Statvfs(Runtime.getSystemRuntime());
      if (libc.statvfs(mount.get().target().toString(), st) != 0) {
        int errno = Runtime.getSystemRuntime().getLastError();
        err.println("gfs-tool df: statfs of " + mountPoint + " failed with errno " + errno
            + "; is its server still running?");
        return 1;
      }
      long frsize = st.fFrsize.longValue();
      long blocks = st.fBlocks.longValue();
      long free = st.fBfree.longValue();
      long files = st.fFiles.longValue();
      long freeFiles = st.fFfree.longValue();
      out.printf("%s (%s):%n", mount.get().target(), mount.get().source());
      out.printf("  block size = %d%n", frsize);
      out.printf("  %-8s %14s %14s %14s %5s%n", "Type", "Total", "Used", "Free", "use%");
      row(out, "data", blocks, blocks - free, free);
      row(out, "inodes", files, files - freeFiles, freeFiles);
      out.flush();
      return 0;
    } catch (IOException e) {
      err.println("gfs-tool df: " + e.getMessage());
      return 1;
    }
  }

  private static void row(PrintWriter out, String type, long total, long used, long free) {
    long pct = total == 0 ? 0 : Math.round(100.0 * used / total);
    out.printf("  %-8s %14d %14d %14d %4d%%%n", type, total, used, free, pct);
  }
}
