package org.gfsj.lockd.core;

/** Where a member node is in its life; see {@link LockSpace} for the transitions. */
public enum MemberState {
  /** Known to the cluster but not yet allowed to lock: reserved for {@code gfs-tool join}. */
  JOINING,
  /** Holds a lease and a journal slot; may lock. */
  LIVE,
  /** Its lease lapsed at the leader; nothing it holds moves until a fence agent succeeds. */
  SUSPECTED,
  /** Cut off from the disk; its shared holds are gone, its journal awaits replay. */
  FENCED,
  /** A live node holds the claim on its journal and is replaying it. */
  RECOVERING,
  /** Gone cleanly (unmounted, or recovered after a failure); its slot is free. */
  LEFT
}
