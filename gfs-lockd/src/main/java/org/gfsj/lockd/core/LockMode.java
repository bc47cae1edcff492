package org.gfsj.lockd.core;

/**
 * The six VMS/DLM lock modes, weakest first. Two holders may hold a resource at once only when
 * their modes are compatible; {@link Compatibility} owns the matrix.
 */
public enum LockMode {
  /** Null: holds a place (and the value block) without protecting anything. */
  NL,
  /** Concurrent read: reads while others may write (GFS2 uses it for statfs and quota). */
  CR,
  /** Concurrent write: writes while others also write (GFS2's "deferred", direct I/O). */
  CW,
  /** Protected read: shared read, no writer anywhere (GFS2's "shared"). */
  PR,
  /** Protected write: one writer, concurrent readers only in CR. */
  PW,
  /** Exclusive: nobody else but NL. */
  EX;

  /** True when a holder in this mode may have written the lock value block. */
  public boolean writesValueBlock() {
    return this == PW || this == EX;
  }
}
