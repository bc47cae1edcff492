package org.gfsj.lockd.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole replicated state of lockd: lock resources and member nodes. Every replica feeds it the
 * same requests in Raft log order and so holds the same state.
 *
 * <h2>Determinism</h2>
 * Every method is a function of its arguments and the current state. There is no clock, no
 * randomness, no I/O and no iteration over hash order that could differ between replicas (owners
 * and resources are visited in insertion or key order). Time comes in as {@code now}, the leader's
 * clock written into the log entry; {@link #now()} only moves forward, so a new leader whose clock
 * is behind cannot make leases live longer or shorter than recorded. Lease expiry and fencing are
 * decisions the leader writes into the log ({@link #expireLeases}, {@link #fenceResult}); nothing
 * here times out by itself. A lease's expiry here is the earliest moment it may lapse, not the
 * moment it does: the leader names the members it lapses, by a count of its own as well (see
 * {@code RenewalsSeen} in the server package), and {@link #expireLeases(List)} checks the expiry.
 *
 * <h2>Granting</h2>
 * A resource keeps three FIFO queues: granted, converting (granted holders that asked for another
 * mode) and waiting (first requests). A mode is <em>grantable</em> when it is compatible with the
 * granted mode of every other granted holder (a converter still counts with its old mode). The
 * rules, those of VMS and the Linux DLM:
 * <ul>
 *   <li>a new request is granted at once only if nobody converts or waits before it and it is
 *       grantable; otherwise it joins the waiting queue, or with NOQUEUE fails and changes nothing;
 *   <li>a conversion is granted at once if it is grantable and either nobody else converts or it
 *       is a down-conversion (every mode compatible with the old mode is compatible with the new);
 *       otherwise it joins the converting queue. If an earlier converter is blocked by this
 *       holder's current mode the two would wait on each other forever under FIFO, so the
 *       conversion is refused with DEADLOCK and the holder keeps its mode;
 *   <li>after every release, down-conversion or cancellation, the grant pass walks the converting
 *       queue then the waiting queue in order, granting each head while it is grantable and
 *       stopping at the first that is not; waiters are never granted while a conversion is queued.
 * </ul>
 * The pass runs inside the same request that released, so a waiter is handed the lock in the very
 * log entry that frees it: one Raft round trip per handoff, not two.
 *
 * <h2>Events</h2>
 * Grants of queued requests go to the {@link Outbox} as "granted". After each change the head of
 * the converting queue (or, if empty, of the waiting queue) is compared with every granted holder;
 * each incompatible holder is told "blocking: someone wants mode M", once per holder and mode until
 * its own mode changes.
 *
 * <h2>Lock value block</h2>
 * A small byte string per resource. Every grant returns it. A holder that held PW or EX may write
 * it when it releases or converts down. When such a holder dies and is released by recovery, the
 * block is marked invalid, and stays so until a PW/EX holder writes it again.
 *
 * <h2>Members, failure and recovery</h2>
 * A member registers (LIVE, with a journal slot: the lowest one no other non-LEFT member uses, or
 * its old one) and renews its lease. When the leader sees leases lapse it logs
 * {@link #expireLeases}: those members become SUSPECTED and nothing they hold moves. The leader
 * runs the fence agent and logs its result: on failure the member stays SUSPECTED with the reason;
 * on success it becomes FENCED, its waiting requests and conversions are cancelled and its NL, CR
 * and PR holds dropped (none can cover a dirty block), while CW, PW and EX holds stay. A LIVE node
 * that is granted the journal resource ({@link ResourceName#journal}) of a FENCED or RECOVERING
 * member becomes its recoverer (a recoverer that dies keeps the claim until its own journal is
 * replayed, then another node can take it). When the recoverer reports the journal replayed
 * ({@link #journalRecovered}) the dead member's remaining holds are released (PW/EX ones
 * invalidate the value block) and the member is LEFT. So no grant can expose a block from a dead
 * journal before that journal is replayed.
 *
 * <h2>Invariants</h2>
 * (1) The granted modes of any two holders of a resource are compatible. (2) An owner has at most
 * one holder per resource, in exactly one of granted or waiting, and in converting only if
 * granted. (3) Requests of non-LIVE members are refused, except that a fenced member's strong holds
 * remain until recovery. (4) No two non-LEFT members share a slot or a name.
 *
 * <p>Not thread-safe: the Raft state machine applies one entry at a time.
 */
public final class LockSpace {

  private final Compatibility compatibility;
  /** Sorted so that every replica visits resources in the same order. */
  private final TreeMap<ResourceName, Resource> resources = new TreeMap<>();
  /** By client id, in registration order. */
  private final Map<Long, Member> members = new LinkedHashMap<>();
  private long now;

  public LockSpace(Compatibility compatibility) {
    this.compatibility = compatibility;
  }

  public LockSpace() {
    this(Compatibility.STANDARD);
  }

  /** The latest leader time applied. */
  public long now() {
    return now;
  }

  public Collection<Resource> resources() {
    return Collections.unmodifiableCollection(resources.values());
  }

  public Resource resource(ResourceName name) {
    return resources.get(name);
  }

  public Collection<Member> members() {
    return Collections.unmodifiableCollection(members.values());
  }

  public Member member(long clientId) {
    return members.get(clientId);
  }

  /** Advances the replicated clock; never backwards. */
  public void advanceClock(long leaderTime) {
    now = Math.max(now, leaderTime);
  }

  // ---------------------------------------------------------------- members

  /**
   * Registers {@code clientId} as node {@code name}, or re-confirms an existing registration of
   * the same client (a retried request). A node that restarts comes back under a new client id
   * and may register only once its previous incarnation has left or been recovered.
   */
  public Answer register(long clientId, String name, long leaseMillis) {
    if (name.isEmpty() || leaseMillis <= 0) {
      return Answer.refused("register needs a node name and a positive lease length");
    }
    Member existing = members.get(clientId);
    if (existing != null) {
      return existing.name().equals(name) && existing.state() == MemberState.LIVE
          ? Answer.OK
          : Answer.refused("client " + Long.toHexString(clientId) + " is already node "
              + existing.name() + " in state " + existing.state() + "; start a new client");
    }
    BitSet taken = new BitSet();
    for (Member m : members.values()) {
      if (m.name().equals(name) && m.occupiesSlot()) {
        return Answer.refused("node " + name + " is still a member (state " + m.state()
            + "); wait until its lease lapses and its journal is recovered, then register again");
      }
      if (m.occupiesSlot()) {
        taken.set(m.slot());
      }
    }
    int slot = taken.nextClearBit(0);
    for (Member m : members.values()) {
      if (m.name().equals(name) && !taken.get(m.slot())) {
        slot = m.slot();
      }
    }
    // The node's previous incarnations are history once it is back under a new id.
    members.values().removeIf(m -> m.name().equals(name));
    members.put(clientId,
        new Member(clientId, name, slot, leaseMillis, MemberState.LIVE, now + leaseMillis));
    return Answer.OK;
  }

  /** Extends a LIVE member's lease to {@code now + lease}. */
  public Answer renew(long clientId) {
    Member m = members.get(clientId);
    if (m == null || m.state() != MemberState.LIVE) {
      return refusedNotLive(clientId, m);
    }
    m.leaseExpiry = now + m.leaseMillis();
    return Answer.OK;
  }

  /**
   * The leader saw leases lapse at {@link #now()}: every LIVE member whose lease expired is
   * SUSPECTED. Returns the newly suspected members, for the leader to fence. What entries of
   * older logs meant; the leader now names the members ({@link #expireLeases(List)}).
   */
  public List<Member> expireLeases() {
    return expireLeases(new ArrayList<>(members.keySet()));
  }

  /**
   * The leader saw the leases of {@code clientIds} lapse: each of them that is still LIVE with
   * its lease expired at {@link #now()} is SUSPECTED; the others are left alone (a renewal
   * applied after the leader decided but before this entry wins). Returns the newly suspected
   * members, for the leader to fence.
   */
  public List<Member> expireLeases(List<Long> clientIds) {
    List<Member> suspected = new ArrayList<>();
    for (long id : clientIds) {
      Member m = members.get(id);
      if (m != null && m.state() == MemberState.LIVE && m.leaseExpiry() <= now) {
        m.state = MemberState.SUSPECTED;
        m.detail = "lease lapsed; waiting for the fence agent";
        suspected.add(m);
      }
    }
    return suspected;
  }

  /** The fence agent's verdict on a SUSPECTED member. */
  public Answer fenceResult(long clientId, boolean success, String detail, Outbox out) {
    Member m = members.get(clientId);
    if (m == null || m.state() != MemberState.SUSPECTED) {
      return Answer.refused("fence result for " + Long.toHexString(clientId)
          + " ignored: it is not SUSPECTED (" + (m == null ? "unknown" : m.state()) + ")");
    }
    if (!success) {
      m.detail = "fence agent failed, nothing released: " + detail
          + "; fix the agent or power the node off and confirm";
      return Answer.OK;
    }
    m.state = MemberState.FENCED;
    m.detail = "fenced; journal " + m.slot() + " needs recovery";
    for (Resource r : new ArrayList<>(resources.values())) {
      Holder h = r.holder(clientId);
      if (h == null) {
        continue;
      }
      if (h.granted == null || !isStrong(h.granted)) {
        removeHolder(r, h);
      } else if (h.requested != null) {
        r.converting.remove(clientId);
        h.requested = null;
      }
      settle(r, out);
    }
    return Answer.OK;
  }

  /** A cleanly unmounted member leaves: everything it holds is released, its slot freed. */
  public Answer leave(long clientId, Outbox out) {
    Member m = members.get(clientId);
    if (m == null || m.state() != MemberState.LIVE) {
      return refusedNotLive(clientId, m);
    }
    releaseEverything(clientId, false, out);
    m.state = MemberState.LEFT;
    m.detail = "left";
    return Answer.OK;
  }

  /**
   * Forgets the oldest LEFT members beyond the newest {@code keep}, so that nodes coming and
   * going (every client is a new member) do not grow the state forever. A LEFT member holds
   * nothing; a node that comes back after being forgotten simply gets the lowest free slot.
   * Returns the client ids forgotten.
   */
  public List<Long> forgetLeftMembers(int keep) {
    int left = 0;
    for (Member m : members.values()) {
      if (m.state() == MemberState.LEFT) {
        left++;
      }
    }
    List<Long> forgotten = new ArrayList<>();
    Iterator<Member> it = members.values().iterator();
    while (left > keep && it.hasNext()) {
      Member m = it.next();
      if (m.state() == MemberState.LEFT) {
        it.remove();
        forgotten.add(m.clientId());
        left--;
      }
    }
    return forgotten;
  }

  /** {@code reporter}, holding the claim on journal {@code slot}, says it was replayed. */
  public Answer journalRecovered(long reporter, int slot, Outbox out) {
    Holder claim = holderOf(ResourceName.journal(slot), reporter);
    Member dead = null;
    for (Member m : members.values()) {
      if (m.slot() == slot && m.state() == MemberState.RECOVERING) {
        dead = m;
      }
    }
    if (dead == null || dead.recoverer() != reporter || claim == null
        || claim.granted != LockMode.EX) {
      return Answer.refused("journal " + slot + " is not being recovered by "
          + Long.toHexString(reporter) + "; take its journal lock in EX first");
    }
    releaseEverything(dead.clientId(), true, out);
    dead.state = MemberState.LEFT;
    dead.recoverer = 0;
    dead.detail = "journal " + slot + " replayed by " + nameOf(reporter);
    return Answer.OK;
  }

  // ---------------------------------------------------------------- locks

  /** A first request for {@code resource} in {@code mode}. */
  public Answer lock(long owner, ResourceName name, LockMode mode, boolean noQueue, Outbox out) {
    Member m = members.get(owner);
    if (m == null || m.state() != MemberState.LIVE) {
      return refusedNotLive(owner, m);
    }
    Resource r = resources.get(name);
    if (r != null && r.holder(owner) != null) {
      return Answer.refused("lock " + name + " is already held or requested by "
          + m.name() + "; use convert to change its mode");
    }
    if (r == null) {
      r = new Resource(name);
      resources.put(name, r);
    }
    Holder h = new Holder(owner);
    if (r.converting.isEmpty() && r.waiting.isEmpty() && grantable(r, h, mode)) {
      h.granted = mode;
      r.granted.put(owner, h);
      claimJournalIfDead(r, owner);
      settle(r, out);
      return Answer.granted(mode, r);
    }
    if (noQueue) {
      forgetIfIdle(r);
      return Answer.NOT_GRANTED;
    }
    h.requested = mode;
    r.waiting.put(owner, h);
    settle(r, out);
    return Answer.QUEUED;
  }

  /**
   * Changes a granted hold to {@code mode}. {@code valueBlock}, if not null, is written first
   * when the hold is PW or EX (it is how a writer publishes on down-conversion).
   */
  public Answer convert(long owner, ResourceName name, LockMode mode, boolean noQueue,
      byte[] valueBlock, Outbox out) {
    Member m = members.get(owner);
    if (m == null || m.state() != MemberState.LIVE) {
      return refusedNotLive(owner, m);
    }
    Resource r = resources.get(name);
    Holder h = r == null ? null : r.granted.get(owner);
    if (h == null || h.requested != null) {
      return Answer.refused("convert " + name + " by " + m.name() + ": "
          + (h == null ? "not granted" : "a request is already pending")
          + "; wait for the pending grant or unlock first");
    }
    boolean down = weakerOrEqual(mode, h.granted);
    if (down) {
      writeValueBlock(r, h, valueBlock);
    }
    if (grantable(r, h, mode) && (r.converting.isEmpty() || down)) {
      setGranted(h, mode);
      claimJournalIfDead(r, owner);
      settle(r, out);
      return Answer.granted(mode, r);
    }
    if (noQueue) {
      return Answer.NOT_GRANTED;
    }
    for (Holder ahead : r.converting.values()) {
      if (!compatibility.compatible(ahead.requested, h.granted)) {
        return Answer.deadlock("convert " + name + " to " + mode + " by " + m.name()
            + " would deadlock with " + nameOf(ahead.owner()) + " converting to "
            + ahead.requested + "; release the hold and lock again");
      }
    }
    h.requested = mode;
    r.converting.put(owner, h);
    settle(r, out);
    return Answer.QUEUED;
  }

  /**
   * Releases {@code owner}'s hold on {@code resource}, cancelling any pending request or
   * conversion. {@code valueBlock}, if not null, is written when the hold was PW or EX.
   */
  public Answer unlock(long owner, ResourceName name, byte[] valueBlock, Outbox out) {
    Member m = members.get(owner);
    if (m == null || m.state() != MemberState.LIVE) {
      return refusedNotLive(owner, m);
    }
    Resource r = resources.get(name);
    Holder h = r == null ? null : r.holder(owner);
    if (h == null) {
      return Answer.refused("unlock " + name + " by " + m.name() + ": not held");
    }
    if (h.granted != null) {
      writeValueBlock(r, h, valueBlock);
    }
    removeHolder(r, h);
    settle(r, out);
    return Answer.OK;
  }

  /** Everything {@code owner} holds or waits for, in resource order. */
  public List<Holding> holdingsOf(long owner) {
    List<Holding> result = new ArrayList<>();
    for (Resource r : resources.values()) {
      Holder h = r.holder(owner);
      if (h == null) {
        continue;
      }
      List<LockMode> blocking = new ArrayList<>();
      Holder head = head(r);
      if (h.granted != null && head != null && head != h
          && !compatibility.compatible(head.requested, h.granted)) {
        blocking.add(head.requested);
      }
      result.add(new Holding(r.name(), h.granted, h.requested, r.valueBlock.clone(),
          r.valueBlockValid, blocking));
    }
    return result;
  }

  /** One line of {@link #holdingsOf}: {@code blockedModes} lists modes its hold keeps waiting. */
  public record Holding(ResourceName resource, LockMode granted, LockMode requested,
      byte[] valueBlock, boolean valueBlockValid, List<LockMode> blockedModes) {}

  // ---------------------------------------------------------------- restore (snapshots)

  /** Puts back a member exactly as a snapshot recorded it. */
  public void restoreMember(long clientId, String name, int slot, long leaseMillis,
      MemberState state, long leaseExpiry, String detail, long recoverer) {
    Member m = new Member(clientId, name, slot, leaseMillis, state, leaseExpiry);
    m.detail = detail;
    m.recoverer = recoverer;
    members.put(clientId, m);
  }

  /** Puts back a resource's value block as a snapshot recorded it. */
  public void restoreValueBlock(ResourceName name, byte[] valueBlock, boolean valid) {
    Resource r = resources.computeIfAbsent(name, Resource::new);
    r.valueBlock = valueBlock.clone();
    r.valueBlockValid = valid;
  }

  /** Puts back a granted holder; call in grant order. */
  public void restoreGranted(ResourceName name, long owner, LockMode granted, int blockingSent) {
    Resource r = resources.computeIfAbsent(name, Resource::new);
    Holder h = new Holder(owner);
    h.granted = granted;
    h.blockingSent = blockingSent;
    r.granted.put(owner, h);
  }

  /** Puts back a pending conversion of a restored granted holder; call in queue order. */
  public void restoreConversion(ResourceName name, long owner, LockMode requested) {
    Resource r = resources.get(name);
    Holder h = r.granted.get(owner);
    h.requested = requested;
    r.converting.put(owner, h);
  }

  /** Puts back a waiting first request; call in queue order. */
  public void restoreWaiter(ResourceName name, long owner, LockMode requested) {
    Resource r = resources.computeIfAbsent(name, Resource::new);
    Holder h = new Holder(owner);
    h.requested = requested;
    r.waiting.put(owner, h);
  }

  public void restoreClock(long time) {
    now = time;
  }

  /** Bit set of modes {@code h} was told it blocks; for snapshots. */
  public static int blockingSent(Holder h) {
    return h.blockingSent;
  }

  // ---------------------------------------------------------------- internals

  private static boolean isStrong(LockMode mode) {
    return mode == LockMode.CW || mode == LockMode.PW || mode == LockMode.EX;
  }

  /** True when {@code mode} is compatible with the granted mode of every holder but {@code h}. */
  private boolean grantable(Resource r, Holder h, LockMode mode) {
    for (Holder other : r.granted.values()) {
      if (other != h && !compatibility.compatible(mode, other.granted)) {
        return false;
      }
    }
    return true;
  }

  /** True when everything compatible with {@code b} is also compatible with {@code a}. */
  private boolean weakerOrEqual(LockMode a, LockMode b) {
    for (LockMode x : LockMode.values()) {
      if (compatibility.compatible(b, x) && !compatibility.compatible(a, x)) {
        return false;
      }
    }
    return true;
  }

  private void setGranted(Holder h, LockMode mode) {
    if (h.granted != mode) {
      h.blockingSent = 0;
    }
    h.granted = mode;
    h.requested = null;
  }

  private static void writeValueBlock(Resource r, Holder h, byte[] valueBlock) {
    if (valueBlock != null && h.granted.writesValueBlock()) {
      r.valueBlock = valueBlock.clone();
      r.valueBlockValid = true;
    }
  }

  private static void removeHolder(Resource r, Holder h) {
    r.granted.remove(h.owner());
    r.converting.remove(h.owner());
    r.waiting.remove(h.owner());
  }

  private Holder holderOf(ResourceName name, long owner) {
    Resource r = resources.get(name);
    return r == null ? null : r.holder(owner);
  }

  /** The request the grant pass will consider next. */
  private static Holder head(Resource r) {
    if (!r.converting.isEmpty()) {
      return r.converting.values().iterator().next();
    }
    return r.waiting.isEmpty() ? null : r.waiting.values().iterator().next();
  }

  /** Grant pass, blocking notifications, and forgetting a resource nobody needs. */
  private void settle(Resource r, Outbox out) {
    Iterator<Holder> conv = r.converting.values().iterator();
    while (conv.hasNext()) {
      Holder h = conv.next();
      if (!grantable(r, h, h.requested)) {
        break;
      }
      conv.remove();
      setGranted(h, h.requested);
      grantedEvent(r, h, out);
    }
    if (r.converting.isEmpty()) {
      Iterator<Holder> wait = r.waiting.values().iterator();
      while (wait.hasNext()) {
        Holder h = wait.next();
        if (!grantable(r, h, h.requested)) {
          break;
        }
        wait.remove();
        setGranted(h, h.requested);
        r.granted.put(h.owner(), h);
        grantedEvent(r, h, out);
      }
    }
    Holder head = head(r);
    if (head != null) {
      int bit = 1 << head.requested.ordinal();
      for (Holder h : r.granted.values()) {
        if (h != head && (h.blockingSent & bit) == 0
            && !compatibility.compatible(head.requested, h.granted)) {
          h.blockingSent |= bit;
          out.blocking(h.owner(), r.name(), head.requested);
        }
      }
    }
    forgetIfIdle(r);
  }

  private void grantedEvent(Resource r, Holder h, Outbox out) {
    claimJournalIfDead(r, h.owner());
    out.granted(h.owner(), r.name(), h.granted, r.valueBlock.clone(), r.valueBlockValid);
  }

  private void forgetIfIdle(Resource r) {
    if (r.idle()) {
      resources.remove(r.name());
    }
  }

  /** A live node granted EX on a dead member's journal becomes its recoverer. */
  private void claimJournalIfDead(Resource r, long owner) {
    if (r.name().type() != ResourceName.JOURNAL_TYPE || r.granted.get(owner).granted != LockMode.EX) {
      return;
    }
    Member claimant = members.get(owner);
    if (claimant == null || claimant.state() != MemberState.LIVE) {
      return;
    }
    for (Member m : members.values()) {
      if (m.slot() == r.name().number()
          && (m.state() == MemberState.FENCED || m.state() == MemberState.RECOVERING)) {
        m.state = MemberState.RECOVERING;
        m.recoverer = owner;
        m.detail = "journal " + m.slot() + " being replayed by " + claimant.name();
      }
    }
  }

  /** Releases every hold of {@code owner}; {@code died} marks PW/EX value blocks invalid. */
  private void releaseEverything(long owner, boolean died, Outbox out) {
    for (Resource r : new ArrayList<>(resources.values())) {
      Holder h = r.holder(owner);
      if (h == null) {
        continue;
      }
      if (died && h.granted != null && h.granted.writesValueBlock()) {
        r.valueBlockValid = false;
      }
      removeHolder(r, h);
      settle(r, out);
    }
  }

  private String nameOf(long clientId) {
    Member m = members.get(clientId);
    return m == null ? Long.toHexString(clientId) : m.name();
  }

  private static Answer refusedNotLive(long clientId, Member m) {
    if (m == null) {
      return Answer.refused("client " + Long.toHexString(clientId)
          + " is not registered; register the node first");
    }
    return Answer.refused("node " + m.name() + " is " + m.state()
        + ": its lease is lost, so it must stop all I/O and register again as a new client");
  }

}
