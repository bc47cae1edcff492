package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.gfsj.lockd.client.Grant;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.MemberRecord;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.NodeProcess;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's lease lapses (its process is frozen with SIGSTOP, so it cannot renew): lockd must
 * suspect it, run the fence agent (which kills the node by PID), drop only its shared holds,
 * let a live node claim and replay its journal, and release its strong holds only after the
 * report, in that order.
 */
class FencingRecoveryTest {
  private static final ResourceName STRONG = new ResourceName(2, 10);
  private static final ResourceName SHARED = new ResourceName(2, 11);

  @TempDir Path dir;
  private PeerProcesses peers;
  private final List<Process> nodes = new ArrayList<>();
  private final List<LockdClient> clients = new ArrayList<>();
  private LockdAdmin admin;

  @AfterEach
  void stopEverything() {
    for (LockdClient c : clients) {
      c.close();
    }
    for (Process p : nodes) {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (peers != null) {
      peers.close();
    }
    if (admin != null) {
      admin.close();
    }
  }

  /** A fence agent as a test host has one: kill the node's process by the PID on file. */
  private Path agent(boolean works) throws IOException {
    Path script = dir.resolve(works ? "fence-kill.sh" : "fence-broken.sh");
    String body = works
        ? "#!/bin/bash\nname=\"${@: -1}\"\necho \"$(date +%s%N) $name\" >> " + dir.resolve("fenced")
            + "\nkill -9 \"$(cat " + dir + "/$name.pid)\"\n"
        : "#!/bin/bash\necho attempt >> " + dir.resolve("attempts")
            + "\necho 'power switch unreachable' >&2\nexit 1\n";
    Files.writeString(script, body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private void startPeers(Path agent) {
    peers = new PeerProcesses(dir, Path.of("target", "peer-logs",
        "fencing-" + System.currentTimeMillis()), 3, List.of("--fence-agent", agent.toString()));
    peers.startAll();
    admin = new LockdAdmin(2_000, null);
  }

  /** Starts a node process; returns its journal slot once it holds what it asked for. */
  private int node(String name, String... ops) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path")),
        NodeProcess.class.getName(), addresses(), name));
    cmd.addAll(List.of(ops));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    nodes.add(p);
    Files.writeString(dir.resolve(name + ".pid"), Long.toString(p.pid()));
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("READY slot=")) {
        return Integer.parseInt(line.substring("READY slot=".length()));
      }
      seen.append("\n  ").append(line);
    }
    throw new AssertionError("node " + name + " exited before it was ready:" + seen);
  }

  private String addresses() {
    return peers.clientAddresses().stream().map(a -> a.getHostString() + ":" + a.getPort())
        .collect(Collectors.joining(","));
  }

  private LockdClient survivor() throws Exception {
    LockdClient c = LockdClient.connect(
        LockdClientConfig.defaults(peers.clientAddresses(), "survivor"), new LockdListener() {})
        .get(60, TimeUnit.SECONDS);
    clients.add(c);
    return c;
  }

  private MemberRecord member(String name) {
    for (InetSocketAddress a : peers.clientAddresses()) {
      try {
        for (MemberRecord m : admin.dump(a).getMembersList()) {
          if (m.getName().equals(name)) {
            return m;
          }
        }
      } catch (IOException tryNext) {
        // next peer
      }
    }
    return null;
  }

  private void awaitState(String name, String state) {
    Await.until(Duration.ofSeconds(30), name + " " + state, () -> {
      MemberRecord m = member(name);
      return m != null && m.getState().equals(state);
    });
  }

  private static void freeze(Process p) {
    try {
      new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("cannot SIGSTOP node " + p.pid(), e);
    }
  }

  @Test
  void strongLocksMoveOnlyAfterTheDeadJournalIsReplayed() throws Exception {
    startPeers(agent(true));
    int deadSlot = node("dead", "lock:EX:2:10", "lock:PR:2:11");
    LockdClient survivor = survivor();
    CompletableFuture<Grant> strong = survivor.lock(STRONG, LockMode.PR, false);
    CompletableFuture<Grant> shared = survivor.lock(SHARED, LockMode.EX, false);

    freeze(nodes.get(0));
    // Fenced: the agent killed it, its PR is gone, its EX stays.
    assertEquals(LockMode.EX, shared.get(30, TimeUnit.SECONDS).mode());
    awaitState("dead", "FENCED");
    assertTrue(Files.readString(dir.resolve("fenced")).contains(" dead"));
    assertTrue(nodes.get(0).waitFor(10, TimeUnit.SECONDS), "the agent did not kill the node");
    assertFalse(strong.isDone());

    // A live node claims the journal; still nothing moves until it reports.
    assertEquals(LockMode.EX,
        survivor.lock(ResourceName.journal(deadSlot), LockMode.EX, true).get(30, TimeUnit.SECONDS)
            .mode());
    awaitState("dead", "RECOVERING");
    assertFalse(strong.isDone());

    survivor.journalRecovered(deadSlot).get(30, TimeUnit.SECONDS);
    Grant g = strong.get(30, TimeUnit.SECONDS);
    assertEquals(LockMode.PR, g.mode());
    assertFalse(g.valueBlockValid(), "a dead EX holder must leave the value block invalid");
    awaitState("dead", "LEFT");
  }

  @Test
  void whenTheRecovererDiesTooAnotherNodeFinishesBothRecoveries() throws Exception {
    startPeers(agent(true));
    int deadSlot = node("dead", "lock:EX:2:10");
    LockdClient survivor = survivor();
    CompletableFuture<Grant> strong = survivor.lock(STRONG, LockMode.PR, false);
    freeze(nodes.get(0));
    awaitState("dead", "FENCED");

    int recovererSlot = node("recoverer", "claim:" + deadSlot);
    awaitState("dead", "RECOVERING");
    freeze(nodes.get(1));
    awaitState("recoverer", "FENCED");
    // The recoverer's claim is a strong hold: nobody else may replay the journal yet.
    assertTrue(survivor.lock(ResourceName.journal(deadSlot), LockMode.EX, true)
        .handle((grant, error) -> error != null).get(30, TimeUnit.SECONDS));

    survivor.lock(ResourceName.journal(recovererSlot), LockMode.EX, true)
        .get(30, TimeUnit.SECONDS);
    survivor.journalRecovered(recovererSlot).get(30, TimeUnit.SECONDS);
    awaitState("recoverer", "LEFT");
    assertFalse(strong.isDone());

    survivor.lock(ResourceName.journal(deadSlot), LockMode.EX, true).get(30, TimeUnit.SECONDS);
    survivor.journalRecovered(deadSlot).get(30, TimeUnit.SECONDS);
    assertEquals(LockMode.PR, strong.get(30, TimeUnit.SECONDS).mode());
  }

  @Test
  void withoutASuccessfulFenceNothingIsReleasedAndTheStateSaysWhy() throws Exception {
    startPeers(agent(false));
    node("dead", "lock:EX:2:10", "lock:PR:2:11");
    LockdClient survivor = survivor();
    CompletableFuture<Grant> shared = survivor.lock(SHARED, LockMode.EX, false);
    freeze(nodes.get(0));
    Await.until(Duration.ofSeconds(30), "the failed fence recorded", () -> {
      MemberRecord m = member("dead");
      return m != null && m.getState().equals("SUSPECTED")
          && m.getDetail().contains("exited with status 1: power switch unreachable;");
    });
    // The leader retries the agent; after the second failure still nothing has moved.
    Await.until(Duration.ofSeconds(30), "a second failed attempt", () -> {
      try {
        return Files.readAllLines(dir.resolve("attempts")).size() >= 2;
      } catch (IOException notYet) {
        return false;
      }
    });
    assertEquals("SUSPECTED", member("dead").getState());
    assertFalse(shared.isDone());
  }
}
