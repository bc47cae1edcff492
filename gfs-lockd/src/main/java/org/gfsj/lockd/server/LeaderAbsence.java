package org.gfsj.lockd.server;

import java.util.concurrent.TimeUnit;

/**
 * How long this peer has itself watched the group go without a leader, by its own monotonic
 * clock. Only time this peer was running counts: when its checks stopped for longer than
 * {@code gapMillis} (its JVM was paused or starved), it learnt nothing meanwhile and the leader it
 * knew may only now be timing out, so the count starts afresh. Counting from the last check that
 * saw a leader instead made a peer resumed after a 10 s pause complain at once that it could not
 * join the group.
 *
 * <p>Not thread-safe: the join watch's one thread uses it.
 */
final class LeaderAbsence {
  private final PauseDetector pauses;
  private long sinceNanos;
  private boolean counting;

  LeaderAbsence(long gapMillis) {
    this.pauses = new PauseDetector(gapMillis);
  }

  /**
   * One check at {@code nanos}: returns for how many milliseconds this peer has now known no
   * leader, 0 when it knows one.
   */
  long observe(boolean leaderKnown, long nanos) {
    boolean resumed = pauses.resumedAt(nanos);
    if (resumed || leaderKnown || !counting) {
      sinceNanos = nanos;
      counting = true;
    }
    return leaderKnown ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos - sinceNanos);
  }
}
