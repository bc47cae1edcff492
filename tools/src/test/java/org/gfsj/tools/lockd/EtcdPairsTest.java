package org.gfsj.tools.lockd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd side of {@code gfs-tool lockd bench}: a real etcd member on 127.0.0.1 and the etcd
 * driver JVM (tools/etcd-driver, built by the reactor before this module), both stopped by
 * {@link BenchProcesses} and their files removed with the temporary directory, also on failure.
 */
class EtcdPairsTest {
  private static final int SESSIONS = 8;
  private static final int ROUNDS = 3;
  private static final Duration HOLD = Duration.ofMillis(30);

  @TempDir Path dir;

  @Test
  void pairsCompleteOnOwnLocksAndTakeTheSharedLockOneSessionAtATime() throws Exception {
    try (BenchProcesses processes = new BenchProcesses(dir)) {
      Process driver = processes.startEtcdDriver(processes.startEtcd(1));
      try (EtcdPairs pairs = new EtcdPairs(driver, processes.log("etcd-driver"),
          processes::etcdCpu, HOLD)) {
        pairs.open(SESSIONS);
        assertEquals(SESSIONS * ROUNDS, rounds(pairs, false).size());

        long start = System.nanoTime();
        List<Long> shared = rounds(pairs, true);
        long elapsed = System.nanoTime() - start;
        // Every pair completed, so no grant met another holder in the driver's count; and the
        // holds on the one lock took their turns instead of overlapping.
        assertEquals(SESSIONS * ROUNDS, shared.size());
        assertTrue(elapsed >= HOLD.toNanos() * SESSIONS * ROUNDS,
            "holds of the shared lock overlapped: " + SESSIONS * ROUNDS + " holds of " + HOLD
                + " in " + elapsed / 1_000_000 + " ms");
        assertTrue(processes.etcdCpu().compareTo(Duration.ZERO) > 0);
      }
    }
  }

  @Test
  void aDriverThatDiesIsReportedWithItsLog() throws Exception {
    try (BenchProcesses processes = new BenchProcesses(dir)) {
      Process driver = processes.startEtcdDriver(List.of("http://127.0.0.1:9"));
      EtcdPairs pairs = new EtcdPairs(driver, processes.log("etcd-driver"),
          () -> Duration.ZERO, Duration.ZERO);
      driver.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

      Exception open = assertThrows(IllegalStateException.class, () -> pairs.open(1));
      assertTrue(open.getMessage().startsWith("the etcd driver exited with status "),
          open.getMessage());
      assertTrue(open.getMessage().endsWith(processes.log("etcd-driver").toString()),
          open.getMessage());
      Exception pair = assertThrows(Exception.class,
          () -> pairs.pair(0, "own-0").get(30, TimeUnit.SECONDS));
      assertTrue(pair.getCause().getMessage().startsWith("the etcd driver exited"),
          pair.toString());
    }
  }

  /**
   * {@link #ROUNDS} rounds of one pair per session, all on one lock when {@code shared};
   * returns the lock latencies.
   */
  private static List<Long> rounds(EtcdPairs pairs, boolean shared) throws Exception {
    List<Long> locked = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      List<CompletableFuture<Long>> pending = new ArrayList<>();
      for (int session = 0; session < SESSIONS; session++) {
        pending.add(pairs.pair(session, shared ? "shared" : "own-" + session));
      }
      for (CompletableFuture<Long> f : pending) {
        long nanos = f.get(30, TimeUnit.SECONDS);
        assertTrue(nanos > 0, "lock latency " + nanos);
        locked.add(nanos);
      }
    }
    return locked;
  }
}
