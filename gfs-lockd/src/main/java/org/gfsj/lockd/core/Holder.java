package org.gfsj.lockd.core;

/**
 * One owner's lock on one resource: a granted mode, a requested mode, or a granted mode with a
 * conversion pending. Owned and mutated only by {@link LockSpace}.
 */
public final class Holder {
  private final long owner;
  /** Mode held now, or null while the first request waits. */
  LockMode granted;
  /** Mode asked for and not yet granted (a waiting request or a conversion), else null. */
  LockMode requested;
  /** Bit per mode for which this holder was already told it blocks someone. */
  int blockingSent;

  Holder(long owner) {
    this.owner = owner;
  }

  public long owner() {
    return owner;
  }

  public LockMode granted() {
    return granted;
  }

  public LockMode requested() {
    return requested;
  }
}
