package org.gfsj.tools.lockd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gfsj.lockd.server.LockdServer;

/**
 * The services a benchmark run starts on 127.0.0.1 and stops again: three gfs-lockd peers
 * (this JVM's classpath) and, when asked, three etcd members. Every process is killed by PID in
 * {@link #close}, also when the run fails.
 */
final class BenchProcesses implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(60);

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final List<Process> lockd = new ArrayList<>();
  private final List<Process> etcd = new ArrayList<>();

  BenchProcesses(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts three lockd peers; returns their client addresses once all accept connections. The
   * ports are free when chosen, but another process can take one before a peer binds it (seen
   * on the shared machine); then all three start again on new ports, up to three times.
   */
  List<InetSocketAddress> startLockd() throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      int[] raft = {freePair(), freePair(), freePair()};
      String peers = "n1=127.0.0.1:" + raft[0] + ",n2=127.0.0.1:" + raft[1] + ",n3=127.0.0.1:"
          + raft[2];
      List<InetSocketAddress> clients = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String id = "n" + (i + 1);
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(peerJvmOptions(id));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
            LockdServer.class.getName(), "--id", id, "--peers", peers, "--dir",
            dir.resolve(id).toString()));
        spawn(id, lockd, command);
        clients.add(InetSocketAddress.createUnresolved("127.0.0.1", raft[i] + 1));
      }
      try {
        for (InetSocketAddress a : clients) {
          awaitPort(a.getPort());
        }
        return clients;
      } catch (IOException e) {
        if (attempt == 3 || !lockdLogsSay("Address already in use")) {
          throw e;
        }
        System.err.println("a lockd port was taken meanwhile; starting the peers on new ports");
        stop(lockd);
        for (int i = 1; i <= 3; i++) {
          deleteTree(dir.resolve("n" + i));
          Files.move(dir.resolve("n" + i + ".log"), dir.resolve("n" + i + ".port-taken-"
              + attempt + ".log"));
        }
      }
    }
  }

  /**
   * Extra JVM options for the peers from {@code GFSJ_LOCKD_PEER_OPTS} (space-separated), e.g. a
   * profiler agent; {@code {id}} in them becomes the peer's id, so each writes its own file.
   */
  private static List<String> peerJvmOptions(String id) {
    String options = System.getenv("GFSJ_LOCKD_PEER_OPTS");
    if (options == null || options.isBlank()) {
      return List.of();
    }
    return Stream.of(options.trim().split("\\s+")).map(o -> o.replace("{id}", id)).toList();
  }

  private boolean lockdLogsSay(String text) throws IOException {
    for (int i = 1; i <= 3; i++) {
      Path log = dir.resolve("n" + i + ".log");
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return true;
      }
    }
    return false;
  }

  /** Kills {@code group}'s processes by PID and forgets them. */
  private void stop(List<Process> group) throws InterruptedException {
    for (Process p : group) {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Process p : group) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
    processes.removeAll(group);
    group.clear();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Starts a three-member etcd cluster; returns its client URLs once it reports healthy. */
  List<String> startEtcd() throws IOException, InterruptedException {
    int[] peer = {freePair(), freePair(), freePair()};
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      initial.append(i > 0 ? "," : "").append("e").append(i + 1).append("=http://127.0.0.1:")
          .append(peer[i]);
    }
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "e" + (i + 1);
      String client = "http://127.0.0.1:" + (peer[i] + 1);
      spawn(name, etcd, List.of("etcd", "--name", name, "--data-dir", dir.resolve(name).toString(),
          "--listen-peer-urls", "http://127.0.0.1:" + peer[i],
          "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i],
          "--listen-client-urls", client, "--advertise-client-urls", client,
          "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
          "--initial-cluster-token", "gfsj-bench", "--log-level", "error"));
      urls.add(client);
    }
    HttpClient http = HttpClient.newHttpClient();
    for (String url : urls) {
      long deadline = System.nanoTime() + READY.toNanos();
      while (true) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/health"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.body().contains("\"true\"")) {
            break;
          }
        } catch (IOException notYet) {
          // starting
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("etcd at " + url + " not healthy after " + READY
              + "; see " + dir.resolve("*.log"));
        }
        Thread.sleep(100);
      }
    }
    return urls;
  }

  private void spawn(String name, List<Process> group, List<String> command)
      throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile()).start();
    processes.add(p);
    group.add(p);
  }

  /** The JVMs this bench started (the lockd peers), whose JIT compilers warm-up waits for. */
  List<Long> jvmPids() {
    return lockd.stream().map(Process::pid).toList();
  }

  /** CPU time (user and system) the lockd peers have used so far. */
  Duration lockdCpu() {
    return cpu(lockd);
  }

  /** CPU time (user and system) the etcd members have used so far. */
  Duration etcdCpu() {
    return cpu(etcd);
  }

  private static Duration cpu(List<Process> group) {
    Duration total = Duration.ZERO;
    for (Process p : group) {
      total = total.plus(p.info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return total;
  }

  private void awaitPort(int port) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY.toNanos();
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException("lockd peer on port " + port + " not up after " + READY
              + "; see " + dir);
        }
        for (Process p : processes) {
          if (!p.isAlive()) {
            throw new IOException("a benchmark process exited early; see the logs in " + dir);
          }
        }
        Thread.sleep(100);
      }
    }
  }

  /** A port p with p + 1 also free (Raft or peer port, then client port). */
  private static int freePair() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = a.getLocalPort();
        try (ServerSocket b = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
          return p;
        } catch (IOException taken) {
          // next
        }
      }
    }
    throw new IOException("no two adjacent free ports on 127.0.0.1");
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Process p : processes) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
