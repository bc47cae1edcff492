package org.gfsj.lockd.server;

import java.util.concurrent.TimeUnit;

/**
 * Tells a periodic check whether this peer was itself stopped since the previous one (a paused
 * or starved JVM): checks further apart than {@code gapMillis} on the monotonic clock. A peer
 * that was not running saw nothing meanwhile, so whatever it counts by its own watching starts
 * afresh.
 *
 * <p>Not thread-safe: meant for the one thread that runs the checks.
 */
final class PauseDetector {
  private final long gapNanos;
  private long lastCheckNanos;
  private boolean checked;

  PauseDetector(long gapMillis) {
    this.gapNanos = TimeUnit.MILLISECONDS.toNanos(gapMillis);
  }

  /** Records a check at {@code nanos}; true if the previous one was more than the gap before. */
  boolean resumedAt(long nanos) {
    boolean resumed = checked && nanos - lastCheckNanos > gapNanos;
    checked = true;
    lastCheckNanos = nanos;
    return resumed;
  }
}
