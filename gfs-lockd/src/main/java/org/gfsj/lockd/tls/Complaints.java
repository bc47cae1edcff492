package org.gfsj.lockd.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Log lines about a refused impostor or stranger, or a peer that cannot be reached, at most one
 * per kind every {@link #EVERY_MILLIS}: Raft retries every few milliseconds, and the log should
 * say what is wrong, not drown in it.
 */
public final class Complaints {
  static final long EVERY_MILLIS = 30_000;

  private final Logger log;
  private final Map<String, Long> lastNanos = new ConcurrentHashMap<>();

  public Complaints(Logger log) {
    this.log = log;
  }

  /** An error line, unless one of this kind went out less than 30 s ago. */
  public void error(String kind, String message) {
    if (due(kind)) {
      log.error(message);
    }
  }

  /** A warning line, unless one of this kind went out less than 30 s ago. */
  public void warn(String kind, String message) {
    if (due(kind)) {
      log.warn(message);
    }
  }

  /** Forgets {@code kind}: its next line goes out at once. */
  public void forget(String kind) {
    lastNanos.remove(kind);
  }

  private boolean due(String kind) {
    long now = System.nanoTime();
    Long last = lastNanos.get(kind);
    if (last != null && now - last < TimeUnit.MILLISECONDS.toNanos(EVERY_MILLIS)) {
      return false;
    }
    lastNanos.put(kind, now);
    return true;
  }
}
