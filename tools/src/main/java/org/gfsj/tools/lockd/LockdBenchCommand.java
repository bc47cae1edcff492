package org.gfsj.tools.lockd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gfs-tool lockd bench}: lock+unlock pairs per second and latency percentiles with N
 * concurrent clients, each on its own lock and all on one lock, for gfs-lockd and, with
 * {@code --etcd}, for etcd in the same run on the same machine.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Start three local gfs-lockd peers (and with --etcd three etcd members, "
        + "driven through jetcd by the etcd driver JVM of tools/etcd-driver), run "
        + "closed-loop clients that each lock a resource in EX and unlock it, and print pairs "
        + "per second with lock and pair latency percentiles, on own locks and on one shared "
        + "lock, and the CPU time the servers spent per pair (user and system time of their "
        + "processes over the case, background work such as heartbeats included; other load on "
        + "the machine inflates it too, though less than it moves throughput). Every process "
        + "started is stopped at the end.")
public final class LockdBenchCommand implements Callable<Integer> {
  private static final int SETTLE_ROUND_SECONDS = 10;
  private static final int SETTLE_COMPILER_PERCENT = 5;
  private static final String PLAIN_NAME = "gfs-lockd";
  private static final String SECURE_NAME = "gfs-lockd (TLS+secret)";

  @Option(names = "--clients", split = ",", defaultValue = "1,16,64",
      description = "Concurrent client counts (default: ${DEFAULT-VALUE}).")
  int[] clientCounts;

  @Option(names = "--seconds", defaultValue = "8",
      description = "Measured seconds per case, after 2 s of warm-up (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup-seconds", defaultValue = "45",
      description = "Untimed load on each system before the table: two thirds of it with the "
          + "largest client count on own locks, a third on one shared lock, so that every path "
          + "the table measures is compiled in every JVM first. The lockd peers need over "
          + "10,000 pairs before a lone client's latency settles; the former 15 s with 16 "
          + "clients left the first cases measuring the JIT compiler (default: "
          + "${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--settle-seconds", defaultValue = "240",
      description = "After the warm-up, go on with untimed load in rounds of "
          + SETTLE_ROUND_SECONDS + " s while the JIT compilers of the bench's JVMs (peers and "
          + "clients) still use over " + SETTLE_COMPILER_PERCENT + "%% of a core, at most this "
          + "long. Fresh lockd peers compile for about two minutes under load, and until then "
          + "their compilers take 30-60%% of their CPU (default: ${DEFAULT-VALUE}).")
  int settleSeconds;

  @Option(names = "--secure", description = "Run the lockd peers as a production cluster runs "
      + "them: each with --tls-dir (Raft between the peers with mutual TLS, "
      + "certificates from a throwaway cluster CA made in the bench's temporary directory) and "
      + "--secret-file (a random cluster secret; the bench's clients and status queries show "
      + "it, and every frame on the client port carries an HMAC). The table then names the "
      + "system " + SECURE_NAME + ". etcd runs as without it.")
  boolean secure;

  @Option(names = "--etcd", description = "Also measure etcd through its own lock API with "
      + "jetcd (the etcd binary must be on PATH and tools/etcd-driver built).")
  boolean etcd;

  @Override
  public Integer call() throws Exception {
    if (etcd) {
      try {
        BenchProcesses.requireEtcd();
      } catch (IOException e) {
        System.err.println("gfs-tool lockd bench --etcd: " + e.getMessage());
        return 1;
      }
    }
    Path dir = Files.createTempDirectory("gfsj-lockd-bench");
    try (BenchProcesses processes = new BenchProcesses(dir)) {
      List<PairRunner> runners = new ArrayList<>();
      if (secure) {
        BenchCredentials credentials = BenchCredentials.create(dir, BenchProcesses.LOCKD_IDS);
        runners.add(new LockdPairs(SECURE_NAME,
            processes.startLockd(credentials.peerOptions()), credentials.secret(),
            processes::lockdCpu));
      } else {
        runners.add(new LockdPairs(PLAIN_NAME, processes.startLockd(List.of()), null,
            processes::lockdCpu));
      }
      if (etcd) {
        Process driver = processes.startEtcdDriver(processes.startEtcd(3));
        runners.add(new EtcdPairs(driver, processes.log("etcd-driver"), processes::etcdCpu,
            Duration.ZERO));
      }
      int most = Arrays.stream(clientCounts).max().orElse(16);
      int ownSeconds = warmupSeconds * 2 / 3;
      for (PairRunner runner : runners) {
        measure(runner, most, false, ownSeconds);
        measure(runner, most, true, warmupSeconds - ownSeconds);
        settleCompilers(runner, most, processes.jvmPids());
      }
      System.out.println("| system | locks | clients | pairs/s | lock p50 ms | lock p99 ms "
          + "| pair p50 ms | pair p99 ms | server CPU µs/pair | requests/entry |");
      System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (boolean shared : new boolean[] {false, true}) {
        for (int clients : clientCounts) {
          for (PairRunner runner : runners) {
            System.out.println(measure(runner, clients, shared, seconds));
          }
        }
      }
    } catch (Exception e) {
      System.err.println("gfs-tool lockd bench: " + e.getMessage() + "; logs kept in " + dir);
      return 1;
    }
    deleteTree(dir);
    return 0;
  }

  /**
   * Untimed rounds on own locks and on the shared one, alternately, until the compiler threads of
   * {@code jvms} and of this process use less than {@link #SETTLE_COMPILER_PERCENT} of a core.
   */
  private void settleCompilers(PairRunner runner, int clients, List<Long> jvms) throws Exception {
    List<Long> pids = new ArrayList<>(jvms);
    pids.add(ProcessHandle.current().pid());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds);
    for (int round = 0; System.nanoTime() < deadline; round++) {
      Duration before = CompilerActivity.cpu(pids);
      long start = System.nanoTime();
      measure(runner, clients, round % 2 == 1, SETTLE_ROUND_SECONDS);
      double percent = 100.0 * CompilerActivity.cpu(pids).minus(before).toNanos()
          / (System.nanoTime() - start);
      System.err.printf("warm-up: %s: JIT compilers used %.0f%% of a core%n", runner.name(),
          percent);
      if (percent < SETTLE_COMPILER_PERCENT) {
        return;
      }
    }
    System.err.printf("warm-up: %s: compilers still busy after %d s; measuring anyway%n",
        runner.name(), settleSeconds);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private String measure(PairRunner runner, int clients, boolean shared, int measuredSeconds)
      throws Exception {
    runner.open(clients);
    try {
      Duration cpuBefore = runner.serverCpu();
      OptionalLong entriesBefore = runner.logEntries();
      AtomicLong completed = new AtomicLong();
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      long end = warmEnd + TimeUnit.SECONDS.toNanos(measuredSeconds);
      List<long[]> samples = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(clients);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int i = 0; i < clients; i++) {
        String resource = shared ? "shared" : "own-" + i;
        loop(runner, i, resource, warmEnd, end, samples, completed, done, failure);
      }
      if (!done.await(measuredSeconds + 120L, TimeUnit.SECONDS)) {
        throw new IllegalStateException(runner.name() + ": clients still busy long after the end");
      }
      if (failure.get() != null) {
        throw new IllegalStateException(runner.name() + " failed: " + failure.get(),
            failure.get());
      }
      OptionalLong entriesAfter = runner.logEntries();
      // Two requests per pair (lock, unlock); leases and other background entries count too.
      String perEntry = entriesBefore.isPresent() && entriesAfter.isPresent()
          ? String.format("%.1f", 2.0 * completed.get()
              / Math.max(1, entriesAfter.getAsLong() - entriesBefore.getAsLong()))
          : "-";
      double cpuMicrosPerPair = runner.serverCpu().minus(cpuBefore).toNanos() / 1e3
          / Math.max(1, completed.get());
      long[] lock;
      long[] pair;
      synchronized (samples) {
        lock = samples.stream().mapToLong(s -> s[0]).sorted().toArray();
        pair = samples.stream().mapToLong(s -> s[1]).sorted().toArray();
      }
      return String.format("| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %s |",
          runner.name(), shared ? "one shared" : "own", clients,
          pair.length / (double) measuredSeconds, ms(lock, 0.50), ms(lock, 0.99),
          ms(pair, 0.50), ms(pair, 0.99), cpuMicrosPerPair, perEntry);
    } finally {
      runner.close();
    }
  }

  /** One closed-loop client: the next pair starts when the previous completes. */
  private static void loop(PairRunner runner, int client, String resource, long warmEnd,
      long end, List<long[]> samples, AtomicLong completed, CountDownLatch done,
      AtomicReference<Throwable> failure) {
    long start = System.nanoTime();
    if (start >= end || failure.get() != null) {
      done.countDown();
      return;
    }
    runner.pair(client, resource).whenComplete((lockNanos, error) -> {
      if (error != null) {
        failure.compareAndSet(null, error);
        done.countDown();
        return;
      }
      long now = System.nanoTime();
      completed.incrementAndGet();
      if (start >= warmEnd && now <= end) {
        synchronized (samples) {
          samples.add(new long[] {lockNanos, now - start});
        }
      }
      loop(runner, client, resource, warmEnd, end, samples, completed, done, failure);
    });
  }

  private static double ms(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) (quantile * sorted.length))] / 1e6;
  }
}
