package org.apache.ratis.server.leader;

import org.apache.ratis.server.RaftServer;

/**
 * Ratis 3.3.0's default log appender, except that a follower's report of a higher term does not
 * wait for the Raft server's monitor.
 *
 * <p>Why: when a paused leader resumes, the thread that makes it step down (its LeaderStateImpl
 * event processor, or a Netty worker answering another peer's vote request) does so while
 * <em>holding</em> that monitor, and waits up to 5 s for every log appender to stop. An appender
 * that meanwhile handles a follower's NOT_LEADER reply blocks on the same monitor in the default
 * {@link LogAppender#onFollowerTerm} (a thread blocked on a monitor ignores the interrupt that
 * should stop it), so the wait runs its full 5 s ("Failed to step down for term N" in the log).
 * All that time the peer also appends nothing, applies nothing and its client endpoint stays
 * blocked on the monitor in {@code appendTransaction}: seen in thread dumps and peer logs of
 * LeaseAcrossElectionsTest's leader-pause cases.
 *
 * <p>The monitor guards nothing here that the step-down needs: the leader state only compares
 * terms and queues a step-down event, which its event processor runs under the monitor anyway.
 * Without it, the leader's term can move on between the check and the comparison, which then
 * trips Ratis's term assertion; that leader is stepping down already, so the report is moot.
 *
 * <p>It lives in Ratis's package because the default appender is package-private there.
 */
public final class StepDownSafeLogAppender extends LogAppenderDefault {
  /** The term this appender's leader leads in: the server's term when the leader made it. */
  private final long leaderTerm;

  public StepDownSafeLogAppender(RaftServer.Division server, LeaderState leaderState,
      FollowerInfo follower) {
    super(server, leaderState, follower);
    this.leaderTerm = server.getInfo().getCurrentTerm();
  }

  @Override
  public boolean onFollowerTerm(long followerTerm) {
    if (!isRunning()) {
      return false;
    }
    try {
      return getLeaderState().onFollowerTerm(getFollower(), followerTerm);
    } catch (IllegalStateException e) {
      if (getServer().getInfo().getCurrentTerm() == leaderTerm) {
        throw e; // not the term assertion: something this class does not know about
      }
      return false;
    }
  }
}
