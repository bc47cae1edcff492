package org.gfsj.lockd.server;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.FreePorts;
import org.gfsj.lockd.testing.PeerDirectories;
import org.gfsj.lockd.wire.ClusterSecret;

/** Lockd peers (replica + client endpoint) inside the test JVM, for fast client tests. */
public final class InProcessCluster implements AutoCloseable {
  private final Path dir;
  private PeerList peers;
  private final Map<String, Replica> replicas = new LinkedHashMap<>();
  private final Map<String, ClientEndpoint> endpoints = new LinkedHashMap<>();

  private final ClusterSecret secret;
  private final long snapshotEvery;

  public InProcessCluster(Path dir, int size) throws Exception {
    this(dir, size, null);
  }

  /** Peers that demand {@code secret} of every client. */
  public InProcessCluster(Path dir, int size, ClusterSecret secret) throws Exception {
    this(dir, size, secret, Replica.SNAPSHOT_EVERY);
  }

  /** Peers that snapshot every {@code snapshotEvery} entries. */
  public InProcessCluster(Path dir, int size, ClusterSecret secret, long snapshotEvery)
      throws Exception {
    this.dir = dir;
    this.secret = secret;
    this.snapshotEvery = snapshotEvery;
    // A port taken between choosing and binding it (see FreePorts) means new ports, not a
    // failed test.
    for (int attempt = 1; ; attempt++) {
      StringBuilder spec = new StringBuilder();
      for (int i = 1; i <= size; i++) {
        spec.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:")
            .append(FreePorts.pair());
      }
      this.peers = PeerList.parse(spec.toString());
      try {
        for (String id : peers.raft().keySet()) {
          start(id);
        }
        return;
      } catch (Exception e) {
        if (attempt == 3 || !portTaken(e)) {
          throw e;
        }
        close();
        for (String id : peers.raft().keySet()) {
          PeerDirectories.delete(dir.resolve(id));
        }
      }
    }
  }

  private static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException || String.valueOf(t.getMessage())
          .contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }


  public void start(String id) throws Exception {
    start(id, peers);
  }

  /** Starts peer {@code id} with its own view of the peer list (to add it to the group). */
  public void start(String id, PeerList list) throws Exception {
    Replica r = new Replica(id, list, dir.resolve(id), "test", Compatibility.STANDARD,
        snapshotEvery, RaftTransport.PLAIN);
    replicas.put(id, r);
    r.start();
    InetSocketAddress raft = list.raft().get(id);
    endpoints.put(id, new ClientEndpoint(r,
        new InetSocketAddress(raft.getHostString(), raft.getPort() + 1), secret));
  }

  public void stop(String id) throws Exception {
    ClientEndpoint endpoint = endpoints.remove(id);
    if (endpoint != null) {
      endpoint.close();
    }
    Replica replica = replicas.remove(id);
    if (replica != null) {
      replica.close();
    }
  }

  /** Closes peer {@code id}'s client port only: its replica stays in the group. */
  public void closeClientPort(String id) {
    endpoints.remove(id).close();
  }

  public PeerList peers() {
    return peers;
  }

  public List<InetSocketAddress> clientAddresses() {
    return peers.clientAddresses();
  }

  /** Client address of one peer only. */
  public List<InetSocketAddress> clientAddress(String id) {
    InetSocketAddress raft = peers.raft().get(id);
    return List.of(InetSocketAddress.createUnresolved(raft.getHostString(), raft.getPort() + 1));
  }

  public Replica replica(String id) {
    return replicas.get(id);
  }

  /** Makes {@code id} the leader (Ratis's leadership transfer) and waits until it is ready. */
  public void transferLeadership(String id) throws Exception {
    try (RaftClient admin = replicas.get(id).newClient()) {
      RaftClientReply reply = admin.admin().transferLeadership(RaftPeerId.valueOf(id), 20_000);
      if (!reply.isSuccess()) {
        throw new IllegalStateException("leadership not moved to " + id, reply.getException());
      }
    }
    Await.until(Duration.ofSeconds(30), id + " leading",
        () -> replicas.get(id).division().getInfo().isLeaderReady());
  }

  /** The peer that leads and is ready to take entries, once there is one (at most 30 s). */
  public String leader() {
    String[] found = new String[1];
    Await.until(Duration.ofSeconds(30), "a ready leader", () -> {
      found[0] = replicas.keySet().stream()
          .filter(id -> replicas.get(id).division().getInfo().isLeaderReady())
          .findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  @Override
  public void close() throws Exception {
    for (String id : new ArrayList<>(replicas.keySet())) {
      stop(id);
    }
  }
}
