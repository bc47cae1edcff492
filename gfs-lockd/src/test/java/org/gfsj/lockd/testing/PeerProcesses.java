package org.gfsj.lockd.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.server.LockdServer;
import org.gfsj.lockd.server.PeerList;

/**
 * Lockd peers as separate JVMs on 127.0.0.1, each started with {@code gfs-lockd}'s main class
 * over this test's classpath. Killed by PID with SIGKILL (a crash, not a shutdown) and
 * restarted on the same data directory. {@link #close} kills whatever is left.
 */
public final class PeerProcesses implements AutoCloseable {
  private final Path dir;
  private final Path logDir;
  private final int count;
  private final boolean ownClientPorts;
  private String peerSpec;
  private PeerList peers;
  private final List<String> extraArgs;
  /** Client ports given with --client-port, by peer id; peers not in it use the default. */
  private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();
  /** Peers stopped with SIGSTOP and not yet continued. */
  private final Set<String> paused = new LinkedHashSet<>();
  private final LockdAdmin admin = new LockdAdmin(2_000, null);

  /** Peers keep data under {@code dir}; their logs go to {@code logDir}, kept after the test. */
  public PeerProcesses(Path dir, Path logDir, int count, List<String> extraArgs) {
    this(dir, logDir, count, extraArgs, false);
  }

  /**
   * With {@code ownClientPorts}, every peer gets {@code --client-port} with a port of its own
   * instead of the default Raft port + 1.
   */
  public PeerProcesses(Path dir, Path logDir, int count, List<String> extraArgs,
      boolean ownClientPorts) {
    this.dir = dir;
    this.logDir = logDir;
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    this.count = count;
    this.ownClientPorts = ownClientPorts;
    this.extraArgs = extraArgs;
    choosePorts();
  }

  private void choosePorts() {
    StringBuilder spec = new StringBuilder();
    for (int i = 1; i <= count; i++) {
      spec.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:")
          .append(FreePorts.pair());
    }
    this.peerSpec = spec.toString();
    this.peers = PeerList.parse(peerSpec);
    clientPorts.clear();
    if (ownClientPorts) {
      for (String id : ids()) {
        int port = FreePorts.single();
        while (port == peers.raft().get(id).getPort() + PeerList.CLIENT_PORT_OFFSET) {
          port = FreePorts.single();
        }
        clientPorts.put(id, port);
      }
    }
  }

  public String peerSpec() {
    return peerSpec;
  }

  public List<String> ids() {
    return new ArrayList<>(peers.raft().keySet());
  }

  public List<InetSocketAddress> clientAddresses() {
    return ids().stream().sorted().map(this::clientAddress).toList();
  }

  public InetSocketAddress clientAddress(String id) {
    InetSocketAddress raft = peers.raft().get(id);
    return InetSocketAddress.createUnresolved(raft.getHostString(),
        clientPorts.getOrDefault(id, raft.getPort() + PeerList.CLIENT_PORT_OFFSET));
  }

  /**
   * Starts every peer and waits until each accepts clients. A peer that exits because one of
   * its ports was taken after it was chosen (by a process outside {@link FreePorts}' care) makes
   * the whole cluster start again on new ports, with empty data directories; its log is kept
   * beside the others. Ask for {@link #peerSpec} and addresses after this returns.
   */
  public void startAll() {
    for (int attempt = 1; ; attempt++) {
      ids().forEach(this::start);
      try {
        ids().forEach(this::awaitReady);
        return;
      } catch (PortTaken e) {
        if (attempt == 3) {
          throw new AssertionError("lockd peers found their ports taken three times", e);
        }
        for (String id : ids()) {
          kill(id);
          try {
            Files.move(log(id), logDir.resolve(id + ".port-taken-" + attempt + ".log"));
            PeerDirectories.delete(dir.resolve(id));
          } catch (IOException io) {
            throw new IllegalStateException("cannot clear lockd peer " + id + " for a retry", io);
          }
        }
        choosePorts();
      }
    }
  }

  /** A peer exited because a port it was given was in use. */
  private static final class PortTaken extends RuntimeException {
    PortTaken(String message) {
      super(message);
    }
  }


  public void start(String id) {
    List<String> args = new ArrayList<>(extraArgs);
    if (clientPorts.containsKey(id)) {
      args.addAll(List.of("--client-port", String.valueOf(clientPorts.get(id))));
    }
    start(id, peerSpec, args);
  }

  /**
   * Starts a peer with its own peer list and options instead of this cluster's, e.g. one that
   * asks to be added, or an outsider; killed like the others.
   */
  public void start(String id, String spec, List<String> args) {
    String classpath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.io.tmpdir=" + tmpDir(id), "-cp", classpath, LockdServer.class.getName(),
        "--id", id, "--peers", spec, "--dir", dir.resolve(id).toString()));
    cmd.addAll(args);
    try {
      Files.createDirectories(tmpDir(id));
      File log = logDir.resolve(id + ".log").toFile();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
      running.put(id, p);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start lockd peer " + id, e);
    }
  }

  /**
   * Peer {@code id}'s {@code java.io.tmpdir}, beside its data directory rather than the
   * machine's, so that what a killed peer leaves there goes with the test's directory and a
   * test can look at it.
   */
  public Path tmpDir(String id) {
    return dir.resolve(id + ".tmp");
  }

  /** Where peer {@code id} writes its log. */
  public Path log(String id) {
    return logDir.resolve(id + ".log");
  }

  public void awaitReady(String id) {
    InetSocketAddress a = clientAddress(id);
    Await.until(Duration.ofSeconds(60), "lockd peer " + id + " accepting clients", () -> {
      if (!running.get(id).isAlive()) {
        if (logSays(id, "Address already in use")) {
          throw new PortTaken("lockd peer " + id + " found a port taken; see " + log(id));
        }
        throw new AssertionError("lockd peer " + id + " exited; see " + logDir.resolve(id + ".log"));
      }
      try (Socket s = new Socket(a.getHostString(), a.getPort())) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  private boolean logSays(String id, String text) {
    try {
      return Files.readString(log(id)).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGKILL by PID, and wait until the process is gone. */
  public void kill(String id) {
    paused.remove(id);
    Process p = running.remove(id);
    if (p != null) {
      ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
      try {
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for peer {@code id} to exit by itself; its exit code, or null if it still runs. */
  public Integer awaitExit(String id, Duration timeout) throws InterruptedException {
    Process p = running.get(id);
    if (p == null) {
      throw new IllegalStateException("lockd peer " + id + " was not started");
    }
    return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : null;
  }

  /**
   * SIGSTOP by PID: the peer keeps its sockets open (connects still succeed) but answers
   * nothing, as in a long JVM pause. {@link #resume} or {@link #close} continues it.
   */
  public void pause(String id) {
    signal(id, "STOP");
    paused.add(id);
  }

  /** SIGCONT by PID, for a peer stopped with {@link #pause}. */
  public void resume(String id) {
    signal(id, "CONT");
    paused.remove(id);
  }

  private void signal(String id, String signal) {
    Process p = running.get(id);
    if (p == null) {
      throw new IllegalStateException("lockd peer " + id + " is not running");
    }
    try {
      int exit = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid()))
          .inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill -" + signal + " " + p.pid() + " exited " + exit);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal lockd peer " + id, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted signalling lockd peer " + id, e);
    }
  }

  public boolean isRunning(String id) {
    return running.containsKey(id);
  }

  /** The current leader's id as some running peer reports it, or null if none knows. */
  public String leader() {
    for (String id : new ArrayList<>(running.keySet())) {
      try {
        PeerStatus s = admin.status(clientAddress(id));
        if (s.getRole().equals("LEADER")) {
          return s.getPeerId();
        }
      } catch (IOException notNow) {
        // a peer that is starting or dying; ask the next
      }
    }
    return null;
  }

  /**
   * Waits for a leader and returns the one found: asking again could find none, as leadership
   * may move between two questions.
   */
  public String awaitLeader(Duration timeout, String what) {
    String[] found = new String[1];
    Await.until(timeout, what, () -> (found[0] = leader()) != null);
    return found[0];
  }

  public PeerStatus status(String id) throws IOException {
    return admin.status(clientAddress(id));
  }

  @Override
  public void close() {
    for (String id : new ArrayList<>(paused)) {
      resume(id);
    }
    for (String id : new ArrayList<>(running.keySet())) {
      kill(id);
    }
    admin.close();
  }
}
