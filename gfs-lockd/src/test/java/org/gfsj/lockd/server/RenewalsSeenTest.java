package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's half of the lapse rule: a lease lapses only when its replicated expiry has passed
 * and the leader itself has seen a whole lease go by without a renewal. Times are given, not
 * read: wall-clock milliseconds as the leader stamps them, and a monotonic clock in milliseconds.
 */
class RenewalsSeenTest {
  private static final long LEASE = 5_000;
  private static final long A = 1;
  private static final long B = 2;

  private final LockSpace space = new LockSpace();
  private final RenewalsSeen renewals = new RenewalsSeen(LeaseWatcher.GAP_MILLIS);

  @BeforeEach
  void twoMembersWhoseLeasesEndAtSixSeconds() {
    space.advanceClock(1_000);
    space.register(A, "a", LEASE);
    space.register(B, "b", LEASE);
  }

  /** The watcher's checks every period from {@code fromMillis} to {@code toMillis}, inclusive. */
  private List<Long> checkUntil(long fromMillis, long toMillis, long wallMillis) {
    List<Long> lapsed = List.of();
    for (long t = fromMillis; t <= toMillis; t += LeaseWatcher.PERIOD_MILLIS) {
      lapsed = renewals.lapsed(space.members(), wallMillis, TimeUnit.MILLISECONDS.toNanos(t));
      if (!lapsed.isEmpty()) {
        return lapsed;
      }
    }
    return lapsed;
  }

  @Test
  void leasesPastByTheirStampsWhenFirstSeenRunAWholeLeaseMore() {
    // A registration that committed seconds after the leader stamped it: past at once.
    assertEquals(List.of(), checkUntil(0, LEASE - LeaseWatcher.PERIOD_MILLIS, 20_000));
    space.advanceClock(20_000);
    space.renew(B);
    assertEquals(List.of(A), checkUntil(LEASE, LEASE, 20_000));
    space.expireLeases(List.of(A));
    assertEquals(List.of(), checkUntil(LEASE + 200, 2 * LEASE, 20_000),
        "B renewed at 20 s, seen at 5 s, and 25 s is not reached");
  }

  @Test
  void aLeaseWhoseExpiryIsAheadOfTheLeadersClockDoesNotLapse() {
    assertEquals(List.of(), checkUntil(0, 3 * LEASE, 5_999));
    assertEquals(List.of(A, B), checkUntil(3 * LEASE, 3 * LEASE, 6_000));
  }

  @Test
  void aNewLeaderCountsFromWhenItBeganToLead() {
    assertEquals(List.of(), checkUntil(0, 4_000, 20_000));
    renewals.restart();
    assertEquals(List.of(), checkUntil(4_200, 4_200 + LEASE - 200, 20_000));
    assertEquals(List.of(A, B), checkUntil(4_200 + LEASE, 4_200 + LEASE, 20_000));
  }

  @Test
  void aPeerThatStoodStillCountsAgainFromWhenItRunsAgain() {
    assertEquals(List.of(), checkUntil(0, 1_000, 20_000));
    // Its JVM was stopped for seven seconds: it saw no renewal, and none could reach it.
    assertEquals(List.of(), checkUntil(8_000, 8_000 + LEASE - 200, 20_000));
    assertEquals(List.of(A, B), checkUntil(8_000 + LEASE, 8_000 + LEASE, 20_000));
  }

  @Test
  void membersNoLongerLiveAreNotNamed() {
    assertEquals(List.of(), checkUntil(0, LEASE - 200, 20_000));
    space.advanceClock(20_000);
    space.expireLeases(List.of(A));
    assertEquals(List.of(B), checkUntil(LEASE, LEASE, 20_000));
  }
}
