package org.gfsj.lockd.core;

/**
 * One node of the cluster as the lock space sees it. Owned and mutated only by {@link LockSpace};
 * everyone else reads.
 */
public final class Member {
  private final long clientId;
  private final String name;
  private final int slot;
  private final long leaseMillis;
  MemberState state;
  long leaseExpiry;
  /** Why the member is stuck where it is (a failed fence agent), for the operator; "" if nothing. */
  String detail = "";
  /** The member replaying this member's journal while RECOVERING, else 0. */
  long recoverer;

  Member(long clientId, String name, int slot, long leaseMillis, MemberState state,
      long leaseExpiry) {
    this.clientId = clientId;
    this.name = name;
    this.slot = slot;
    this.leaseMillis = leaseMillis;
    this.state = state;
    this.leaseExpiry = leaseExpiry;
  }

  public long clientId() {
    return clientId;
  }

  public String name() {
    return name;
  }

  public int slot() {
    return slot;
  }

  public long leaseMillis() {
    return leaseMillis;
  }

  public MemberState state() {
    return state;
  }

  /** Leader time (from the log) at which the lease lapses. */
  public long leaseExpiry() {
    return leaseExpiry;
  }

  public String detail() {
    return detail;
  }

  public long recoverer() {
    return recoverer;
  }

  /** True while this member's slot is taken: every state but LEFT. */
  boolean occupiesSlot() {
    return state != MemberState.LEFT;
  }
}
