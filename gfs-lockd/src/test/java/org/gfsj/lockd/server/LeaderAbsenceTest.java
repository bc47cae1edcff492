package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The join watch's count of leaderless time, with the monotonic clock given in milliseconds. */
class LeaderAbsenceTest {
  private static final long GAP = 3_000;
  private final LeaderAbsence absence = new LeaderAbsence(GAP);

  private long at(boolean leaderKnown, long millis) {
    return absence.observe(leaderKnown, TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void countsFromTheLastCheckThatSawALeader() {
    assertEquals(0, at(true, 1_000));
    assertEquals(1_000, at(false, 2_000));
    for (long t = 3_000; t < 12_000; t += 1_000) {
      at(false, t);
    }
    assertEquals(11_000, at(false, 12_000));
    assertEquals(0, at(true, 13_000));
    assertEquals(1_000, at(false, 14_000), "a leader seen again restarts the count");
  }

  @Test
  void aPeerThatWasPausedStartsCountingAfresh() {
    assertEquals(0, at(true, 1_000));
    // SIGSTOP for 11 s: the first check after it knows no leader, but saw none of that time.
    assertEquals(0, at(false, 12_000));
    assertEquals(1_000, at(false, 13_000));
  }

  @Test
  void aPeerThatNeverSawALeaderCountsFromItsFirstCheck() {
    assertEquals(0, at(false, 5_000));
    assertEquals(GAP, at(false, 5_000 + GAP), "checks exactly the gap apart are not a pause");
  }
}
