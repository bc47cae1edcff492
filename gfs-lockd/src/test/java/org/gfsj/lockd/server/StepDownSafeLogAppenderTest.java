package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.leader.StepDownSafeLogAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's log appenders handle a follower's term without the Raft server's monitor, which the
 * leader's event processor holds while it steps down and waits for those appenders to stop.
 */
class StepDownSafeLogAppenderTest {
  @TempDir Path dir;

  @Test
  void aFollowersTermIsHandledWhileTheServerMonitorIsHeld() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 3)) {
      String leader = cluster.leader();
      RaftServer.Division division = cluster.replica(leader).division();
      List<LogAppender> appenders = appenders(division);
      assertEquals(2, appenders.size(), "one appender per follower");
      assertTrue(appenders.stream().allMatch(a -> a instanceof StepDownSafeLogAppender),
          () -> "Ratis did not take lockd's appender: " + appenders);

      long term = division.getInfo().getCurrentTerm();
      synchronized (division) {
        CompletableFuture<Boolean> steppingDown =
            CompletableFuture.supplyAsync(() -> appenders.get(0).onFollowerTerm(term));
        boolean stepDown;
        try {
          // Ratis's own appender blocks here until the monitor is free.
          stepDown = steppingDown.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("the appender waits for the server monitor", e);
        }
        assertFalse(stepDown, "a follower in the leader's own term is no reason to step down");
      }
    }
  }

  /** The leader's appenders; Ratis offers no public way to them. */
  @SuppressWarnings("unchecked")
  private static List<LogAppender> appenders(RaftServer.Division division) throws Exception {
    Object role = accessible(division.getClass().getDeclaredMethod("getRole")).invoke(division);
    Optional<?> leaderState = (Optional<?>)
        accessible(role.getClass().getDeclaredMethod("getLeaderState")).invoke(role);
    Object state = leaderState.orElseThrow();
    return ((Stream<LogAppender>) accessible(state.getClass()
        .getDeclaredMethod("getLogAppenders")).invoke(state)).toList();
  }

  private static Method accessible(Method m) {
    m.setAccessible(true);
    return m;
  }
}
