package org.gfsj.tools.lockd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.server.LockdServer;
import org.gfsj.tools.GfsTool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gfs-tool lockdump}, {@code gfs-tool nodes} and {@code gfs-tool lockd status} against
 * three gfs-lockd peers in processes of their own: what they print while all peers run, while
 * the leader is freshly dead, and when no peer answers, and with which exit status.
 */
class LockdToolsTest {
  private static final ResourceName INODE = new ResourceName(2, 0x2a);

  @TempDir Path dir;
  private final Map<String, Process> peers = new LinkedHashMap<>();
  private final List<InetSocketAddress> clientAddresses = new ArrayList<>();
  private String spec;
  /** The same peers with each Raft port given as client port: a mistake an operator can make. */
  private String raftPortsAsClientPorts;
  private LockdClient client;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    for (Process p : peers.values()) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void toolsShowTheClusterAndSayWhenPeersAreDown() throws Exception {
    startPeers();
    client = LockdClient.connect(LockdClientConfig.defaults(clientAddresses, "alpha"),
        new LockdListener() {}).get(60, TimeUnit.SECONDS);
    assertEquals(LockMode.EX, client.lock(INODE, LockMode.EX, false)
        .get(30, TimeUnit.SECONDS).mode());

    Run status = awaitRun(() -> run("lockd", "status", "--peers", spec),
        r -> r.exit == 0 && leaderOf(r.out) != null && digestsAgree(r.out));
    String leader = leaderOf(status.out);

    Run dump = run("lockdump", "--peers", spec);
    assertEquals(0, dump.exit, dump.err);
    assertTrue(dump.out.contains("resource 2/2a"), dump.out);
    assertTrue(dump.out.contains("granted    EX  alpha ("), dump.out);
    Run nodes = run("nodes", "--peers", spec);
    assertEquals(0, nodes.exit, nodes.err);
    assertTrue(nodes.out.lines().anyMatch(l -> l.startsWith("alpha ") && l.contains("LIVE")),
        nodes.out);

    Run wrongPorts = run("lockd", "status", "--peers", raftPortsAsClientPorts,
        "--timeout-ms", "300");
    assertEquals(2, wrongPorts.exit, wrongPorts.out);
    assertTrue(wrongPorts.out.contains("did not answer within 300 ms; is that its client port?"),
        wrongPorts.out);

    Path secret = dir.resolve("secret");
    Files.write(secret, new byte[32]);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Run withSecret = run("lockdump", "--peers", spec, "--secret-file", secret.toString());
    assertEquals(2, withSecret.exit, withSecret.err);
    assertTrue(withSecret.err.lines().anyMatch(l -> l.startsWith("n1: lockd peer 127.0.0.1:")
        && l.endsWith(" does not authenticate, but this node has a cluster secret; start the"
            + " peers with --secret-file")), withSecret.err);

    // Right after the leader dies the others still name it: the tools read a live peer.
    kill(leader);
    dump = run("lockdump", "--peers", spec);
    assertEquals(0, dump.exit, dump.out + dump.err);
    assertTrue(dump.out.contains("granted    EX  alpha ("), dump.out);
    status = run("lockd", "status", "--peers", spec);
    assertEquals(1, status.exit, status.out);
    assertTrue(status.out.lines().anyMatch(l -> l.startsWith(leader + " ") && l.contains("DOWN")),
        status.out);

    for (String id : List.copyOf(peers.keySet())) {
      kill(id);
    }
    status = run("lockd", "status", "--peers", spec);
    assertEquals(2, status.exit, status.out);
    dump = run("lockdump", "--peers", spec);
    assertEquals(2, dump.exit, dump.out);
    assertTrue(dump.err.contains("no lockd peer answered"), dump.err);
    nodes = run("nodes", "--peers", spec);
    assertEquals(2, nodes.exit, nodes.out);
  }

  private record Run(int exit, String out, String err) {}

  private interface Attempt {
    Run run() throws Exception;
  }

  private interface Check {
    boolean ok(Run r);
  }

  /** Runs a command until its result passes {@code check}, for at most 60 s. */
  private static Run awaitRun(Attempt attempt, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Run last = attempt.run();
    while (!check.ok(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such answer within 60 s; last: " + last);
      }
      Thread.sleep(100);
      last = attempt.run();
    }
    return last;
  }

  /** gfs-tool in this JVM, its output captured. */
  private static synchronized Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(new GfsTool()).execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static boolean digestsAgree(String statusOut) {
    return statusOut.lines().skip(1).map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .distinct().count() == 1;
  }

  /** The peer whose row's role column says LEADER, or null. */
  private static String leaderOf(String statusOut) {
    return statusOut.lines().skip(1).map(l -> l.split("\\s+"))
        .filter(columns -> columns.length > 2 && columns[2].equals("LEADER"))
        .map(columns -> columns[0]).findFirst().orElse(null);
  }

  private void kill(String id) throws InterruptedException {
    Process p = peers.get(id);
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "peer " + id + " did not die");
  }

  private void startPeers() throws Exception {
    List<String> parts = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      int raft = freePort();
      int clientPort = freePort();
      parts.add(id + "=127.0.0.1:" + raft + "/" + clientPort);
      wrong.add(id + "=127.0.0.1:" + raft + "/" + raft);
      clientAddresses.add(InetSocketAddress.createUnresolved("127.0.0.1", clientPort));
    }
    spec = String.join(",", parts);
    raftPortsAsClientPorts = String.join(",", wrong);
    for (String id : List.of("n1", "n2", "n3")) {
      Path data = dir.resolve(id);
      peers.put(id, new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
          LockdServer.class.getName(), "--id", id, "--peers", spec, "--dir", data.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile()).start());
    }
    for (InetSocketAddress a : clientAddresses) {
      await(() -> accepts(a), "peer at port " + a.getPort() + " accepting clients; see " + dir);
    }
  }

  private static boolean accepts(InetSocketAddress a) {
    try (Socket s = new Socket("127.0.0.1", a.getPort())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 60 s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
