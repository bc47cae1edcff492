package org.gfsj.tools.lockd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;

/**
 * CPU time the JIT compiler threads of some JVMs have used, read from /proc. A benchmark that
 * starts while the peers still compile measures the compiler: three fresh lockd peers spend
 * 30-60% of their CPU in C2 for their first minute or two of load.
 */
final class CompilerActivity {
  /** Linux's USER_HZ, the unit of utime and stime in /proc/PID/task/TID/stat. */
  private static final long TICKS_PER_SECOND = 100;

  private CompilerActivity() {}

  /** Compiler threads' CPU time so far, summed over {@code pids}; gone processes count 0. */
  static Duration cpu(Collection<Long> pids) {
    long ticks = 0;
    for (long pid : pids) {
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
        for (Path task : tasks) {
          ticks += compilerTicks(task);
        }
      } catch (IOException | RuntimeException gone) {
        // The process ended; it compiles no more.
      }
    }
    return Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND);
  }

  private static long compilerTicks(Path task) {
    try {
      // HotSpot names them "C1 CompilerThread0", "C2 CompilerThread1"; comm keeps 15 characters.
      String comm = Files.readString(task.resolve("comm")).trim();
      if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) {
        return 0;
      }
      String stat = Files.readString(task.resolve("stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      // After the command: state is field 3 of stat(5), utime 14 and stime 15.
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }
}
