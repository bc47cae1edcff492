package org.gfsj.lockd.state;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.PeerEndpoint;
import org.gfsj.lockd.proto.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of lockd: each log entry is one {@link Batch} of many clients' requests
 * (group commit), applied by a {@link LogApplier}.
 *
 * <p>The only non-replicated input, the clock, enters on the leader in {@link #startTransaction}:
 * the leader appends its time to the entry before it is logged, so followers and restarted peers
 * apply the very same time. It appends its client address too, so every replica knows where the
 * leader of each entry takes clients without assuming anything about other peers' ports. The
 * frames that applying produces go to the {@link #setOutput output}
 * (the client endpoint of this peer) after the state has changed; the Raft reply itself is empty,
 * because clients hear from their own peer's apply, in log order.
 *
 * <p>Concurrency: Ratis applies entries and takes snapshots on one thread; readers (dumps, the
 * lease watcher) call {@link #read} and hold the same monitor.
 */
public final class LockdStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(LockdStateMachine.class);

  private final RocksSnapshotStore store = new RocksSnapshotStore();
  private final Compatibility compatibility;
  private LogApplier applier;
  private volatile Consumer<List<ServerFrame>> output = frames -> { };
  private volatile Consumer<Throwable> logFailure = cause -> { };
  private final AtomicBoolean logFailed = new AtomicBoolean();
  /** This peer's client address, stamped into every entry it accepts as leader; null before. */
  private volatile PeerEndpoint clientEndpoint;

  public LockdStateMachine(Compatibility compatibility) {
    this.compatibility = compatibility;
    this.applier = new LogApplier(compatibility);
  }

  /** Where frames for clients go after each applied entry. */
  public void setOutput(Consumer<List<ServerFrame>> output) {
    this.output = output;
  }

  /**
   * What to do, once, when this peer's Raft log cannot be written (a full or failing disk).
   * Ratis then closes the log but leaves the peer in the group, where it can commit nothing:
   * as leader it holds every client up until the peer is stopped.
   */
  public void setLogFailureHandler(Consumer<Throwable> logFailure) {
    this.logFailure = logFailure;
  }

  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    if (logFailed.compareAndSet(false, true)) {
      LOG.error("{}: the Raft log cannot be written", getId(), cause);
      logFailure.accept(cause);
    }
  }

  /**
   * Where this peer takes clients. While it leads, every entry it accepts carries it, so that
   * followers can send their clients here (see {@code ClientEndpoint}).
   */
  public void setClientEndpoint(String host, int port) {
    this.clientEndpoint = PeerEndpoint.newBuilder().setPeerId(getId().toString())
        .setClientHost(host).setClientPort(port).build();
  }

  /** This peer's client address as set, or null. */
  public PeerEndpoint clientEndpoint() {
    return clientEndpoint;
  }

  /** Runs {@code reader} against the current state, between two applied entries. */
  public synchronized <T> T read(Function<LogApplier, T> reader) {
    return reader.apply(applier);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    store.init(raftStorage);
    loadSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Ratis says this only at INFO level, which lockd's logging configuration leaves out for
   * Ratis (its INFO lines run to hundreds per start); a new leader is worth a line. Ratis calls
   * this for leaders only, not when a peer loses its leader (JoinWatch says when that lasts).
   */
  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
    LOG.info("{}: the Raft leader is now {}", member.getPeerId(), newLeader);
  }

  /**
   * Ratis pauses the machine before it installs a snapshot from the leader, once per chunk of
   * a multi-file snapshot.
   */
  @Override
  public void pause() {
    if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
      return;
    }
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** After a snapshot from the leader was installed: the state is that snapshot. */
  @Override
  public void reinitialize() throws IOException {
    store.reload();
    loadSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  private synchronized void loadSnapshot() throws IOException {
    LogApplier fresh = new LogApplier(compatibility);
    if (store.load(fresh)) {
      SnapshotInfo info = store.getLatestSnapshot();
      applier = fresh;
      updateLastAppliedTermIndex(info.getTerm(), info.getIndex());
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return store;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return store.getLatestSnapshot();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    // Protobuf merges concatenated encodings, so appending a Batch that holds only the leader's
    // stamp (time, client address) sets them without parsing and re-encoding the whole batch.
    Batch.Builder stamp = Batch.newBuilder().setLeaderTimeMillis(System.currentTimeMillis());
    PeerEndpoint endpoint = clientEndpoint;
    if (endpoint != null) {
      stamp.setLeaderEndpoint(endpoint);
    }
    ByteString data = request.getMessage().getContent()
        .concat(ByteString.copyFrom(stamp.build().toByteArray()));
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(data)
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    List<ServerFrame> frames;
    synchronized (this) {
      Batch batch;
      try {
        batch = Batch.parseFrom(entry.getStateMachineLogEntry().getLogData().newInput());
      } catch (IOException e) {
        // Every replica rejects the same bytes the same way, so skipping keeps them identical.
        LOG.error("skipping undecodable log entry {}: {}", entry.getIndex(), e.getMessage());
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
      }
      frames = applier.apply(batch);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    if (!frames.isEmpty()) {
      output.accept(frames);
    }
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public synchronized long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    SnapshotInfo current = store.getLatestSnapshot();
    if (current != null && current.getIndex() == last.getIndex()) {
      return last.getIndex();
    }
    store.write(last, applier);
    LOG.info("snapshot at {}", last);
    return last.getIndex();
  }

}
