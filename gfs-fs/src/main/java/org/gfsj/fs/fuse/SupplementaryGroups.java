package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The supplementary groups of the process behind a FUSE request. The kernel passes only uid, gid
 * and pid; the groups are the "Groups:" line of /proc/PID/status. Reading that file costs more
 * than most operations, so answers are kept for a short while per (pid, uid, gid): a process that
 * changes its groups with setgroups(2) is seen with its new groups after at most {@link #TTL_NANOS}.
 */
final class SupplementaryGroups {
  static final long TTL_NANOS = 1_000_000_000L;
  /** Past this many remembered processes the cache starts over rather than grow without bound. */
  private static final int MAX_ENTRIES = 4096;
  private static final int[] NONE = new int[0];

  private record Key(int pid, int uid, int gid) {}

  private record Known(int[] groups, long readAtNanos) {}

  private final Path proc;
  private final LongSupplier clock;
  private final ConcurrentHashMap<Key, Known> known = new ConcurrentHashMap<>();

  SupplementaryGroups(Path proc, LongSupplier nanoClock) {
    this.proc = proc;
    this.clock = nanoClock;
  }

  static SupplementaryGroups ofSystem() {
    return new SupplementaryGroups(Path.of("/proc"), System::nanoTime);
  }

  /** The groups of {@code pid}, or none if the process is gone or its status unreadable. */
  int[] of(int pid, int uid, int gid) {
    if (pid <= 0) {
      return NONE;
    }
    Key key = new Key(pid, uid, gid);
    long now = clock.getAsLong();
    Known k = known.get(key);
    if (k != null && now - k.readAtNanos < TTL_NANOS) {
      return k.groups;
    }
    int[] groups = read(pid);
    if (known.size() >= MAX_ENTRIES) {
      known.clear();
    }
    known.put(key, new Known(groups, now));
    return groups;
  }

  private int[] read(int pid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("status"));
    } catch (IOException e) {
      // the process exited between its request and this read: it has no one left to check for
      return NONE;
    }
    for (String line : lines) {
      if (line.startsWith("Groups:")) {
        return parse(line.substring("Groups:".length()));
      }
    }
    return NONE;
  }

  static int[] parse(String list) {
    String t = list.trim();
    if (t.isEmpty()) {
      return NONE;
    }
    return Arrays.stream(t.split("\\s+")).mapToInt(g -> (int) Long.parseLong(g)).toArray();
  }
}
