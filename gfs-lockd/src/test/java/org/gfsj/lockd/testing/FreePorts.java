package org.gfsj.lockd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports on 127.0.0.1 for test peers, which must know each other's ports before any of them
 * binds. Two suites at once used to collide ("Address already in use"): both asked the kernel
 * for a free port (port 0), which comes from the ephemeral range, so the other suite, or any
 * process's outgoing connection, could take it before the peer bound it. So ports here come
 * from below the ephemeral range (no outgoing connection uses those), and each is claimed with
 * a lock on its byte (offset = port) of the file {@link #LOCKS}, which this JVM holds until it
 * exits, so concurrent test JVMs never hand out the same port; it is also checked to be
 * bindable now. One file for all ports, so that nothing piles up in the temporary directory. Peer start-up still
 * retries with new ports if a port was taken anyway (see {@link PeerProcesses#startAll}).
 */
public final class FreePorts {
  static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "gfsj-test-ports.lock");
  private static final int LOWEST = 20_000;

  /** Ports this JVM holds, with the locks that keep other JVMs off them. */
  private static final Set<Integer> held = new HashSet<>();
  private static final List<FileLock> locks = new ArrayList<>();
  private static FileChannel lockFile;

  private FreePorts() {}

  /** A port reserved for this JVM that was free a moment ago. */
  public static synchronized int single() {
    return reserve(1);
  }

  /** A port p such that p and p + 1 are reserved and were free (Raft port and client port). */
  public static synchronized int pair() {
    return reserve(2);
  }

  private static int reserve(int count) {
    int highest = ephemeralStart() - count;
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(LOWEST, highest);
      List<FileLock> claimed = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        FileLock lock = claim(p + i);
        if (lock == null || !bindable(p + i)) {
          release(lock);
          break;
        }
        claimed.add(lock);
      }
      if (claimed.size() == count) {
        for (int i = 0; i < count; i++) {
          held.add(p + i);
        }
        locks.addAll(claimed);
        return p;
      }
      claimed.forEach(FreePorts::release);
    }
    throw new IllegalStateException("no " + count + " adjacent free ports between " + LOWEST
        + " and " + highest + " on 127.0.0.1 (other test JVMs hold their locks in " + LOCKS + ")");
  }

  /** The lock on {@code port}'s file, or null if this or another JVM holds it. */
  private static FileLock claim(int port) {
    if (held.contains(port)) {
      return null;
    }
    try {
      if (lockFile == null) {
        lockFile = FileChannel.open(LOCKS, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      }
      return lockFile.tryLock(port, 1, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot claim test port " + port + " in " + LOCKS, e);
    }
  }

  private static void release(FileLock lock) {
    if (lock == null) {
      return;
    }
    try {
      lock.release();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range (32768 unless configured otherwise). */
  private static int ephemeralStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
