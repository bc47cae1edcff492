package org.gfsj.lockd.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.Member;
import org.gfsj.lockd.core.MemberState;

/**
 * The leader's own record of when it last saw each member's lease renewed, by its own clock: the
 * half of the lapse rule that the replicated state cannot give.
 *
 * <h2>Why the replicated expiry is not enough</h2>
 * A lease in the lock space runs from the leader's stamp on the renewal's entry, the time the
 * leader <em>accepted</em> it, not the time it committed. An entry accepted while no quorum
 * answers (followers paused, an election under way) commits seconds later, so a registration
 * can apply with its lease already past, and after any outage of the cluster every member's
 * replicated expiry is past although none of them could have renewed. Lapsing those leases races
 * the renewals that are on their way and suspects nodes for the cluster's outage.
 *
 * <h2>The rule</h2>
 * As Chubby's master does after a fail-over, the leader lets a LIVE member's lease lapse only when
 * both hold:
 * <ol>
 *   <li>its replicated expiry has passed by the leader's clock (the entry that lapses it checks
 *       this again at its own stamp, see {@code LockSpace.expireLeases}); and
 *   <li>this leader has itself watched a whole lease go by, on its monotonic clock, without
 *       seeing that expiry change.
 * </ol>
 * The count starts afresh for every member when this peer begins to lead ({@link #restart}, on
 * a new term; Ratis steps down a leader that hears from no majority for an election timeout, so
 * a leader that gets its quorum back does so in a new term too), for a member first seen, and
 * when this peer's checks stopped for longer than {@code gapMillis} (its JVM was paused: it saw
 * nothing meanwhile, and renewals may have waited on it).
 *
 * <h2>Why lapsing late is safe</h2>
 * A node counts its lease from when it first sent the renewal whose answer it got, which is
 * before any leader stamped, applied or saw that renewal, and it stops all I/O (self-fences) the
 * margin before its own count runs out. Every rule here only makes the leader's count end later
 * than the replicated one, so a node has stopped before lockd suspects it, as before; lapsing
 * late costs only the time until a dead node is fenced and its locks recovered.
 *
 * <p>Not thread-safe: the lease watcher's one thread uses it.
 */
final class RenewalsSeen {
  private final PauseDetector pauses;
  /** Per LIVE member: the expiry last seen, and when (this peer's monotonic clock) it was seen. */
  private final Map<Long, Sighting> seen = new HashMap<>();

  private record Sighting(long expiry, long sinceNanos) {}

  /** Checks further apart than {@code gapMillis} mean this peer was not running between them. */
  RenewalsSeen(long gapMillis) {
    this.pauses = new PauseDetector(gapMillis);
  }

  /** This peer just began to lead: no member's count has begun. */
  void restart() {
    seen.clear();
  }

  /**
   * Looks at {@code members} at {@code leaderTimeMillis} (the wall clock that stamps entries) and
   * {@code nanos} (the monotonic clock); returns the client ids of the LIVE members to lapse,
   * in the order given.
   */
  List<Long> lapsed(Collection<Member> members, long leaderTimeMillis, long nanos) {
    if (pauses.resumedAt(nanos)) {
      seen.clear();
    }
    List<Long> lapsed = new ArrayList<>();
    Set<Long> live = new HashSet<>();
    for (Member m : members) {
      if (m.state() != MemberState.LIVE) {
        continue;
      }
      live.add(m.clientId());
      Sighting s = seen.get(m.clientId());
      if (s == null || s.expiry() != m.leaseExpiry()) {
        seen.put(m.clientId(), new Sighting(m.leaseExpiry(), nanos));
      } else if (m.leaseExpiry() <= leaderTimeMillis
          && nanos - s.sinceNanos() >= TimeUnit.MILLISECONDS.toNanos(m.leaseMillis())) {
        lapsed.add(m.clientId());
      }
    }
    seen.keySet().retainAll(live);
    return lapsed;
  }
}
