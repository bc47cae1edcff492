package org.gfsj.fs.lock;

/**
 * The modes a glock holds a cluster lock in, named as GFS2 names them, with the VMS mode lockd
 * grants for each: UN (none), SH (PR, shared read), DF (CW, deferred: shared among direct-I/O
 * writers), EX (exclusive).
 */
public enum LockMode {
  UN,
  SH,
  DF,
  EX;

  /** Whether a lock held in this mode lets its holder do what {@code wanted} allows. */
  public boolean covers(LockMode wanted) {
    return this == wanted || this == EX || wanted == UN;
  }
}
