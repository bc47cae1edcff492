package org.gfsj.tools.lockd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gfsj.lockd.server.LockdServer;

/**
 * The services a benchmark run starts on 127.0.0.1 and stops again: three gfs-lockd peers
 * (this JVM's classpath) and, when asked, etcd members and the etcd driver (jetcd over its own
 * class path, tools/etcd-driver). Every process is killed by PID in {@link #close}, also when
 * the run fails, and by a shutdown hook when the bench itself is stopped (Ctrl-C, kill): its
 * children would otherwise run on, holding ports and CPU.
 */
final class BenchProcesses implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(60);
  /** The ids of the three lockd peers {@link #startLockd} starts. */
  static final List<String> LOCKD_IDS = List.of("n1", "n2", "n3");

  private final Path dir;
  /** Every process started and not stopped yet; read by the shutdown hook's thread too. */
  private final List<Process> processes = new CopyOnWriteArrayList<>();
  private final List<Process> lockd = new ArrayList<>();
  private final List<Process> etcd = new ArrayList<>();
  private Process etcdDriver;

  private final Thread killOnExit = new Thread(this::kill, "lockd bench clean-up");

  BenchProcesses(Path dir) {
    this.dir = dir;
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /**
   * Starts three lockd peers, each also given {@code peerOptions} (e.g. {@link
   * BenchCredentials#peerOptions}); returns their client addresses once all accept connections.
   * The ports are free when chosen, but another process can take one before a peer binds it
   * (seen on the shared machine); then all three start again on new ports, up to three times.
   */
  List<InetSocketAddress> startLockd(List<String> peerOptions)
      throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      int[] raft = new int[LOCKD_IDS.size()];
      List<String> spec = new ArrayList<>();
      for (int i = 0; i < raft.length; i++) {
        raft[i] = freePair();
        spec.add(LOCKD_IDS.get(i) + "=127.0.0.1:" + raft[i]);
      }
      String peers = String.join(",", spec);
      List<InetSocketAddress> clients = new ArrayList<>();
      for (int i = 0; i < raft.length; i++) {
        String id = LOCKD_IDS.get(i);
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(peerJvmOptions(id));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
            LockdServer.class.getName(), "--id", id, "--peers", peers, "--dir",
            dir.resolve(id).toString()));
        command.addAll(peerOptions);
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
        for (String id : LOCKD_IDS) {
          deleteTree(dir.resolve(id));
          Files.move(log(id), dir.resolve(id + ".port-taken-" + attempt + ".log"));
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
    for (String id : LOCKD_IDS) {
      Path log = log(id);
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

  /**
   * Starts an etcd cluster of {@code members} (three in the benchmark); returns its client URLs
   * once every member reports healthy.
   */
  List<String> startEtcd(int members) throws IOException, InterruptedException {
    Path binary = etcdBinary();
    int[] peer = new int[members];
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < members; i++) {
      peer[i] = freePair();
      initial.append(i > 0 ? "," : "").append("e").append(i + 1).append("=http://127.0.0.1:")
          .append(peer[i]);
    }
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      String name = "e" + (i + 1);
      String client = "http://127.0.0.1:" + (peer[i] + 1);
      spawn(name, etcd, List.of(binary.toString(), "--name", name,
          "--data-dir", dir.resolve(name).toString(),
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
        if (etcd.stream().anyMatch(p -> !p.isAlive())) {
          throw new IOException("an etcd member exited while starting; see " + dir
              .resolve("e*.log"));
        }
        Thread.sleep(100);
      }
    }
    return urls;
  }

  /**
   * Starts the etcd driver (tools/etcd-driver: jetcd in a JVM of its own) on the members at
   * {@code urls}; it takes requests on its stdin and answers on its stdout, its stderr goes to
   * {@link #log log("etcd-driver")}. Its temporary directory is the bench's: jetcd's Vert.x
   * makes a cache directory there that it leaves behind when the driver is stopped.
   */
  Process startEtcdDriver(List<String> urls) throws IOException {
    List<String> command = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Djava.io.tmpdir=" + dir, "-cp", etcdDriverClassPath(), "org.gfsj.etcddriver.EtcdDriver", String.join(",", urls));
    etcdDriver = new ProcessBuilder(command)
        .redirectError(log("etcd-driver").toFile()).start();
    processes.add(etcdDriver);
    return etcdDriver;
  }

  /** Where the process started as {@code name} writes its output. */
  Path log(String name) {
    return dir.resolve(name + ".log");
  }

  /**
   * Fails with what to do unless both etcd and the etcd driver are there: checked before any
   * process starts, so that a run does not warm up gfs-lockd for a minute first.
   */
  static void requireEtcd() throws IOException {
    etcdBinary();
    etcdDriverClassPath();
  }

  private static Path etcdBinary() throws IOException {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(entry.isEmpty() ? "." : entry, "etcd");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IOException("etcd is not on PATH; install it (Debian: apt-get install "
        + "etcd-server) or run the bench without --etcd");
  }

  /**
   * The driver's jar and its lib/ beside this module's build output: tools/etcd-driver/target,
   * whether this class runs from tools/target/classes or from tools/target/tools-*.jar.
   */
  private static String etcdDriverClassPath() throws IOException {
    Path target;
    try {
      Path self = Path.of(BenchProcesses.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI());
      target = self.getParent().getParent().resolve("etcd-driver").resolve("target");
    } catch (URISyntaxException e) {
      throw new IOException("cannot tell where the tools module runs from, so where its "
          + "etcd-driver is: " + e);
    }
    Path lib = target.resolve("lib");
    List<Path> jars = List.of();
    if (Files.isDirectory(target)) {
      try (Stream<Path> files = Files.list(target)) {
        jars = files.filter(f -> f.getFileName().toString().matches("etcd-driver-.*\\.jar"))
            .toList();
      }
    }
    if (jars.isEmpty() || !Files.isDirectory(lib)) {
      throw new IOException("the etcd driver is not built (no etcd-driver-*.jar and lib/ in "
          + target + "); build it from the source tree's root with "
          + "`mvn -B -ntp package -DskipTests -pl tools -am`");
    }
    return jars.get(0) + ":" + lib.resolve("*");
  }

  private void spawn(String name, List<Process> group, List<String> command)
      throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log(name).toFile()).start();
    processes.add(p);
    group.add(p);
  }

  /**
   * The JVMs this bench started (the lockd peers and the etcd driver), whose JIT compilers
   * warm-up waits for.
   */
  List<Long> jvmPids() {
    List<Long> pids = new ArrayList<>(lockd.stream().map(Process::pid).toList());
    if (etcdDriver != null) {
      pids.add(etcdDriver.pid());
    }
    return pids;
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
    kill();
    for (Process p : processes) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
  }

  private void kill() {
    for (Process p : processes) {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
