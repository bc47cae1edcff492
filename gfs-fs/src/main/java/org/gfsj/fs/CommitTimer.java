package org.gfsj.fs;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Commits the running transaction every {@code commit=} interval (GFS2's gfs2_logd, jbd2's commit
 * timer), so that what operations changed reaches the journal within that time even when nobody
 * calls fsync.
 */
final class CommitTimer implements AutoCloseable {
  private final ScheduledExecutorService thread;

  CommitTimer(String deviceName, Duration interval, Runnable commit) {
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gfsj-commit " + deviceName);
      t.setDaemon(true);
      return t;
    });
    long millis = Math.max(1, interval.toMillis());
    thread.scheduleWithFixedDelay(commit, millis, millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
