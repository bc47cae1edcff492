package org.gfsj.lockd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.raftrpc.RaftSerialFilter;
import org.gfsj.lockd.tls.PeerCredentials;
import org.gfsj.lockd.wire.ClusterSecret;
import org.gfsj.lockd.wire.NettyTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gfs-lockd}: one peer of the Raft-replicated lock manager. */
@Command(
    name = "gfs-lockd",
    mixinStandardHelpOptions = true,
    version = "gfs-lockd 0.1.0",
    description = "Runs one peer of the GFSJ lock manager. Start the same command on every "
        + "peer with its own --id; one peer for a single host, three or five for a cluster. "
        + "Clients and gfs-tool reach a peer on its client port: the one --peers gives after "
        + "a slash (ID=HOST:RAFTPORT/CLIENTPORT), else --client-port, else the Raft port + 1 "
        + "(tools read the same --peers; clients that follow the leader learn its client port "
        + "from the replicated log). Options can come from a "
        + "cluster config file, one option per line, given as @FILE (e.g. gfs-lockd "
        + "@/etc/gfsj/lockd.conf --id n1); gfs-tool reads the same files.")
public final class LockdServer implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LockdServer.class);

  @Option(names = "--id", required = true, description = "This peer's id, one of --peers.")
  String id;

  @Option(names = "--peers", required = true,
      description = "Every peer as ID=HOST:RAFTPORT or ID=HOST:RAFTPORT/CLIENTPORT,"
          + " comma-separated, e.g. n1=10.0.0.1:7400,n2=10.0.0.2:7400,n3=10.0.0.3:7400.")
  String peers;

  @Option(names = "--dir", required = true,
      description = "Data directory: Raft log, RocksDB snapshots, and the copy of RocksDB's "
          + "native library that the peer loads (so it must not be mounted noexec).")
  Path dir;

  @Option(names = "--client-port", description = "Port for clients (default: this peer's"
      + " CLIENTPORT in --peers, else its Raft port + 1; give it in --peers so that tools"
      + " find it too).")
  Integer clientPort;

  @Option(names = "--cluster", defaultValue = "gfsj",
      description = "Cluster name; peers of one cluster must agree (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--fence-agent",
      description = "Command that fences a node: run with the node name as last argument and "
          + "action=off, nodename, slot, client_id on stdin; exit 0 when done. Without it, "
          + "dead nodes stay suspected and keep their locks.")
  String fenceAgent;

  @Option(names = "--secret-file",
      description = "Cluster secret (at least 16 bytes, mode 600) that every client and tool "
          + "must hold: each frame on the client port then carries an HMAC. Make one with "
          + "head -c 32 /dev/urandom > FILE and copy it to every node.")
  Path secretFile;

  @Option(names = "--tls-dir",
      description = "Directory made by gfs-tool keygen holding ca.crt, ID.crt and ID.key for "
          + "this peer's --id. Raft between peers then runs over mutual TLS: a peer "
          + "or tool whose certificate the cluster CA did not sign is refused. Every peer of a "
          + "cluster must have it, or none.")
  Path tlsDir;

  @Option(names = "--snapshot-every", defaultValue = "" + Replica.SNAPSHOT_EVERY,
      description = "Log entries between snapshots (default: ${DEFAULT-VALUE}).")
  long snapshotEvery;

  @Option(names = "--unsafe-compatible-pair", hidden = true,
      description = "TESTS ONLY: also treat these two modes (e.g. PR,PW) as compatible, to show "
          + "that the checkers catch a broken grant rule.")
  String unsafePair;

  public static void main(String[] args) {
    RaftSerialFilter.install();
    System.exit(new CommandLine(new LockdServer()).execute(args));
  }

  /**
   * A peer whose Raft log cannot be written stops, so that the others elect a leader among
   * themselves and go on (as etcd stops on a failed WAL write); a supervisor that restarts it
   * brings it back once the disk has room, and it catches up from the others.
   */
  private void stopOnLogFailure(Throwable cause) {
    System.err.println("gfs-lockd: " + PeerStopReasons.logUnwritable(id, dir, cause));
    // Not on Ratis's log thread: the shutdown hook closes the replica, which waits for it.
    new Thread(() -> System.exit(1), "lockd-log-failed").start();
  }

  @Override
  public Integer call() throws Exception {
    PeerList list;
    try {
      list = PeerList.parse(peers);
    } catch (IllegalArgumentException e) {
      System.err.println("gfs-lockd: " + e.getMessage());
      return 2;
    }
    if (!list.raft().containsKey(id)) {
      System.err.println("gfs-lockd: --id " + id + " is not one of the --peers "
          + list.raft().keySet());
      return 2;
    }
    FenceAgent agent = null;
    if (fenceAgent != null) {
      agent = new FenceAgent(fenceAgent);
      String unusable = agent.unusable();
      if (unusable != null) {
        System.err.println("gfs-lockd: --fence-agent '" + fenceAgent + "': " + unusable);
        return 2;
      }
    } else {
      LOG.warn("no --fence-agent: a node whose lease lapses stays suspected and keeps its "
          + "locks until an agent fences it; give every peer --fence-agent");
    }
    Compatibility compatibility = Compatibility.STANDARD;
    if (unsafePair != null) {
      String[] modes = unsafePair.split(",");
      compatibility = compatibility.withExtraPair(LockMode.valueOf(modes[0]),
          LockMode.valueOf(modes[1]));
      LOG.error("UNSAFE: {} and {} are treated as compatible; never run this in production",
          modes[0], modes[1]);
    }
    ClusterSecret secret = null;
    if (secretFile != null) {
      try {
        secret = ClusterSecret.read(secretFile);
      } catch (IOException e) {
        System.err.println("gfs-lockd: " + e.getMessage());
        return 2;
      }
    }
    RaftTransport transport = RaftTransport.PLAIN;
    if (tlsDir != null) {
      try {
        PeerCredentials credentials = PeerCredentials.load(tlsDir, id);
        transport = RaftTransport.tls(credentials);
        LOG.info("Raft between peers: Netty with mutual TLS, this peer shows {}",
            credentials.subject());
      } catch (IOException e) {
        LOG.error("lockd peer {} cannot join with TLS: {}", id, e.getMessage());
        System.err.println("gfs-lockd: " + e.getMessage());
        return 2;
      }
    } else {
      LOG.warn("Raft between peers is not authenticated: anyone who reaches a Raft port can "
          + "take part; give every peer --tls-dir (see gfs-tool keygen) to require certificates");
    }
    InetSocketAddress raftAddress = list.raft().get(id);
    if (clientPort != null && list.clientPorts().containsKey(id)
        && clientPort != list.clientPort(id)) {
      System.err.println("gfs-lockd: --client-port " + clientPort + " but --peers gives " + id
          + " client port " + list.clientPort(id) + "; give one of them");
      return 2;
    }
    int port = clientPort != null ? clientPort : list.clientPort(id);
    Replica replica;
    try {
      replica = new Replica(id, list, dir, cluster, compatibility, snapshotEvery, transport);
      replica.stateMachine().setLogFailureHandler(this::stopOnLogFailure);
      replica.start();
    } catch (IOException | RuntimeException e) {
      LOG.error("lockd peer {} cannot start", id, e);
      System.err.println("gfs-lockd: " + PeerStopReasons.cannotStart(id, dir, e));
      return 1;
    }
    InetSocketAddress clientAddress = new InetSocketAddress(raftAddress.getHostString(), port);
    ClientEndpoint endpoint;
    try {
      endpoint = new ClientEndpoint(replica, clientAddress, secret);
    } catch (Exception e) {
      // Netty throws the bind failure (an IOException) without declaring it.
      LOG.error("lockd peer {} cannot take clients", id, e);
      System.err.println("gfs-lockd: "
          + PeerStopReasons.clientPortUnavailable(id, clientAddress, e));
      replica.close();
      return 1;
    }
    LeaseWatcher watcher = new LeaseWatcher(replica, agent);
    watcher.start();
    JoinWatch joinWatch = new JoinWatch(replica, transport);
    joinWatch.start();
    LOG.info("lockd peer {} of cluster {}: raft {}:{}, clients on port {} ({})", id, cluster,
        raftAddress.getHostString(), raftAddress.getPort(), endpoint.port(),
        NettyTransport.best().name().toLowerCase(Locale.ROOT));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      joinWatch.close();
      watcher.close();
      endpoint.close();
      try {
        replica.close();
      } catch (Exception e) {
        LOG.warn("closing replica: {}", e.toString());
      }
      stopped.countDown();
    }, "lockd-shutdown"));
    stopped.await();
    return 0;
  }
}
