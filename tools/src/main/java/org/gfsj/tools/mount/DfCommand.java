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
import ru.serce.jnrfuse.struct.Statvfs;

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
  /** libc's statvfs(3); Statvfs has the layout of struct statvfs on 64-bit Linux. */
  public interface LibC {
    int statvfs(String path, Statvfs buf);
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
      long frsize = st.f_frsize.longValue();
      long blocks = st.f_blocks.longValue();
      long free = st.f_bfree.longValue();
      long files = st.f_files.longValue();
      long freeFiles = st.f_ffree.longValue();
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
