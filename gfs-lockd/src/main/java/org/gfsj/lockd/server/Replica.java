package org.gfsj.lockd.server;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.state.LockdStateMachine;

/**
 * One lockd peer's share of the Raft group: the Ratis server, its state machine and the storage
 * under the data directory. The group id is derived from the cluster name, so peers started with
 * the same name and peer list form one group.
 */
public final class Replica implements Closeable {
  /** Entries between automatic snapshots; a restarted peer replays at most this many. */
  public static final long SNAPSHOT_EVERY = 20_000;
  /**
   * How long this peer's own Raft clients (the batcher's lanes, the lease watcher) wait on one
   * peer for an entry before trying another. Ratis's default, 3 s, is what such a client spent
   * on a leader that was paused or had just lost its office, while every request of this
   * peer's clients waited behind that one entry: two elections a few seconds apart then left
   * clients without a renewal for longer than the lease minus the margin. An entry commits in
   * milliseconds, and an attempt that times out on a slow but rightful leader costs only a
   * redirect: the leader's retry cache answers the same call again.
   */
  static final TimeDuration CLIENT_ATTEMPT_TIMEOUT = TimeDuration.valueOf(1, TimeUnit.SECONDS);

  private final RaftServer server;
  private final LockdStateMachine stateMachine;
  private final RaftGroup group;
  private final RaftPeerId id;
  private final RaftTransport transport;

  public Replica(String id, PeerList peers, Path dataDir, String cluster,
      Compatibility compatibility, long snapshotEvery, RaftTransport transport)
      throws IOException {
    if (!peers.raft().containsKey(id)) {
      throw new IllegalArgumentException("--id " + id + " is not one of the --peers "
          + peers.raft().keySet());
    }
    this.id = RaftPeerId.valueOf(id);
    this.group = RaftGroup.valueOf(groupId(cluster), peers.raftPeers());
    this.stateMachine = new LockdStateMachine(compatibility);
    this.transport = transport;
    RaftProperties props = new RaftProperties();
    transport.configureServer(props, peers.raft().get(id).getPort());
    Files.createDirectories(dataDir);
    RaftServerConfigKeys.setStorageDir(props, List.of(dataDir.toFile()));
    // Two shared cores and GC pauses make the 150-300 ms default elect needlessly often.
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
    // By default the leader logs a metadata entry (its commit index) after every commit: a
    // second entry appended, replicated and forced to disk on every peer for each batch, which
    // halved the entries left for requests. Raft needs no durable commit index: a restarted
    // peer applies up to its snapshot, then learns the commit index from the leader.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false);
    // Ratis 3.3.0 composes the AppendEntries it sends from the entries queued for a follower
    // (on by default). For lockd, whose batcher already groups requests into entries, that
    // nearly doubled the CPU per entry and took a lone client's lock from 0.5 to 0.9 ms at p50
    // (gfs-tool lockd bench, with and without; see docs/benchmarks.md).
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(props, false);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, snapshotEvery);
    boolean fresh = !Files.exists(dataDir.resolve(group.getGroupId().getUuid().toString()));
    RaftServer.Builder builder = RaftServer.newBuilder()
        .setServerId(this.id)
        .setGroup(group)
        .setProperties(props)
        .setStateMachine(stateMachine)
        .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER);
    transport.configureServer(builder, this::peerAt);
    this.server = builder.build();
  }

  static RaftGroupId groupId(String cluster) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("gfsj-lockd:" + cluster).getBytes(StandardCharsets.UTF_8)));
  }

  public void start() throws IOException {
    server.start();
  }

  public LockdStateMachine stateMachine() {
    return stateMachine;
  }

  public RaftPeerId id() {
    return id;
  }

  public RaftServer server() {
    return server;
  }

  /** True while this peer leads the group (and may decide lease expiry and fencing). */
  public boolean isLeader() {
    return division().getInfo().isLeader();
  }

  /** This peer's member of the lockd Raft group. */
  public RaftServer.Division division() {
    try {
      return server.getDivision(group.getGroupId());
    } catch (IOException e) {
      throw new IllegalStateException("lockd peer " + id + " is not in its own group", e);
    }
  }

  /**
   * The peer whose Raft address is {@code host:port} in the group's configuration as this
   * peer knows it now (so peers added at run time count), else in the list it started with.
   */
  private String peerAt(String host, int port) {
    try {
      RaftConfiguration conf = division().getRaftConf();
      for (RaftPeerRole role : List.of(RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)) {
        String id = PeerList.peerAt(conf.getAllPeers(role), host, port);
        if (id != null) {
          return id;
        }
      }
    } catch (RuntimeException starting) {
      // No division yet: the start-up list below is all this peer knows.
    }
    return PeerList.peerAt(group.getPeers(), host, port);
  }

  /**
   * Hands {@code message} to this peer's own Raft server, as a client request from
   * {@code client} with {@code callId}, without a network hop: only worth it while this peer
   * leads, since a follower refuses it (the reply then carries a NotLeaderException).
   *
   * <p>The request goes to the group's division directly, on the caller's thread. Through
   * {@code RaftServer.submitClientRequestAsync}, Ratis 3.3.0 runs the same method on its client
   * executor and blocks the caller until it returns: the caller waits just as long, plus two
   * thread wake-ups per entry on the leader's path to commit. (Should a later Ratis's division
   * not take client requests itself, the request takes that longer way again.)
   */
  public CompletableFuture<RaftClientReply> submitLocally(ClientId client, long callId,
      Message message) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(client)
        .setServerId(id)
        .setGroupId(group.getGroupId())
        .setCallId(callId)
        .setMessage(message)
        .setType(RaftClientRequest.writeRequestType())
        .build();
    try {
      return division() instanceof RaftClientAsynchronousProtocol division
          ? division.submitClientRequestAsync(request)
          : server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A Raft client that finds the leader and retries until the entry is committed. Each attempt
   * waits at most {@link #CLIENT_ATTEMPT_TIMEOUT} for its reply, then Ratis tries another peer.
   */
  public RaftClient newClient() {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, CLIENT_ATTEMPT_TIMEOUT);
    return transport.newClientBuilder(this::peerAt, props)
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setLeaderId(id)
        .setRetryPolicy(RetryPolicies.retryForeverWithSleep(
            TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
        .build();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
