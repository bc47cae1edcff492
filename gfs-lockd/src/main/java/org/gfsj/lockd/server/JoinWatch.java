package org.gfsj.lockd.server;

import java.io.Closeable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator, in this peer's log, when the peer has known no leader for a while and
 * what is likely wrong. Raft itself only retries: a peer whose certificate the others refuse, or
 * that speaks plain Netty to TLS peers, would otherwise log nothing but connection errors.
 */
final class JoinWatch implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(JoinWatch.class);
  /** Long enough for a few elections at the 400-800 ms timeouts, and for peers to start. */
  static final long GRACE_MILLIS = 10_000;
  private static final long PERIOD_MILLIS = 1_000;
  /** Checks further apart than this mean the peer itself was not running in between. */
  private static final long GAP_MILLIS = 3 * PERIOD_MILLIS;

  private final Replica replica;
  private final String hint;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "join-watch");
    t.setDaemon(true);
    return t;
  });
  private final LeaderAbsence absence = new LeaderAbsence(GAP_MILLIS);
  private boolean complained;

  JoinWatch(Replica replica, RaftTransport transport) {
    this.replica = replica;
    this.hint = transport.joinHint(replica.id().toString());
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void check() {
    try {
      RaftPeerId leader = replica.division().getInfo().getLeaderId();
      long silentMillis = absence.observe(leader != null, System.nanoTime());
      if (leader != null) {
        if (complained) {
          LOG.info("lockd peer {} has reached the group again; leader is {}", replica.id(), leader);
          complained = false;
        }
      } else if (!complained && silentMillis >= GRACE_MILLIS) {
        complained = true;
        LOG.error("lockd peer {} has known no Raft leader for {} s and cannot join the group: {}",
            replica.id(), silentMillis / 1000, hint);
      }
    } catch (RuntimeException e) {
      LOG.warn("join watch: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
