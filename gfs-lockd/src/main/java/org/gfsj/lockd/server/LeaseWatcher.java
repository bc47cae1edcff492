package org.gfsj.lockd.server;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.gfsj.lockd.core.Member;
import org.gfsj.lockd.core.MemberState;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.FenceResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's clock-driven duties, turned into log entries so that every replica applies the
 * same decisions: when leases have lapsed, by the replicated expiry and by the leader's own count
 * ({@link RenewalsSeen}: a whole lease seen without a renewal), it logs which members' leases
 * lapsed; for each suspected member it runs the fence agent (off the Raft threads) and logs the
 * outcome. A failed agent is retried every {@link #RETRY_FENCE_MILLIS}. Followers do nothing.
 */
final class LeaseWatcher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseWatcher.class);
  static final long PERIOD_MILLIS = 200;
  static final long RETRY_FENCE_MILLIS = 5_000;
  /** Checks this far apart mean the peer itself stood still (a JVM pause): counts start again. */
  static final long GAP_MILLIS = 5 * PERIOD_MILLIS;

  private final Replica replica;
  private final RaftClient raft;
  private final FenceAgent agent;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      r -> daemon(r, "lease-watcher"));
  private final ExecutorService fencing = Executors.newCachedThreadPool(
      r -> daemon(r, "fence-agent"));
  private final AtomicBoolean expiring = new AtomicBoolean();
  private final Set<Long> fencingNow = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Long, Long> nextAttempt = new ConcurrentHashMap<>();
  /** The timer thread's. */
  private final RenewalsSeen renewals = new RenewalsSeen(GAP_MILLIS);
  /** The term in which this peer led at the last check, or -1; the timer thread's. */
  private long ledTerm = -1;

  /** {@code agent} may be null: then fencing always fails and nothing is released. */
  LeaseWatcher(Replica replica, FenceAgent agent) {
    this.replica = replica;
    this.raft = replica.newClient();
    this.agent = agent;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private void check() {
    try {
      if (!replica.isLeader()) {
        ledTerm = -1;
        return;
      }
      long term = replica.division().getInfo().getCurrentTerm();
      if (term != ledTerm) {
        // A new leader has seen no renewal yet: every member's count starts now.
        ledTerm = term;
        renewals.restart();
      }
      long now = System.currentTimeMillis();
      long nanos = System.nanoTime();
      List<Member> suspected = new ArrayList<>();
      List<Long> lapsed = replica.stateMachine().read(applier -> {
        for (Member m : applier.space().members()) {
          if (m.state() == MemberState.SUSPECTED) {
            suspected.add(m);
          }
        }
        return renewals.lapsed(applier.space().members(), now, nanos);
      });
      if (!lapsed.isEmpty() && expiring.compareAndSet(false, true)) {
        send(Batch.newBuilder().addAllExpireLeasesOf(lapsed).build())
            .whenComplete((r, e) -> expiring.set(false));
      }
      for (Member m : suspected) {
        if (now >= nextAttempt.getOrDefault(m.clientId(), 0L) && fencingNow.add(m.clientId())) {
          fencing.execute(() -> fence(m));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("lease check failed: {}", e.toString());
    }
  }

  private void fence(Member m) {
    String failure = agent == null
        ? "no fence agent configured; start lockd with --fence-agent" : agent.fence(m);
    if (failure == null) {
      LOG.warn("fenced node {} (slot {})", m.name(), m.slot());
    } else {
      LOG.error("cannot fence node {}: {}", m.name(), failure);
      nextAttempt.put(m.clientId(), System.currentTimeMillis() + RETRY_FENCE_MILLIS);
    }
    FenceResult.Builder result = FenceResult.newBuilder().setClientId(m.clientId())
        .setSuccess(failure == null);
    if (failure != null) {
      result.setDetail(failure);
    }
    send(Batch.newBuilder().addFenceResults(result).build())
        .whenComplete((r, e) -> fencingNow.remove(m.clientId()));
  }

  private java.util.concurrent.CompletableFuture<?> send(Batch batch) {
    return raft.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())));
  }

  @Override
  public void close() {
    timer.shutdownNow();
    fencing.shutdownNow();
    try {
      raft.close();
    } catch (java.io.IOException e) {
      LOG.warn("closing the Raft client: {}", e.toString());
    }
  }
}
