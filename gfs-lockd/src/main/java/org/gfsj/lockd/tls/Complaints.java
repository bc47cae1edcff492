package org.gfsj.lockd.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Error lines about a refused impostor or stranger, at most one per kind every
 * {@link #EVERY_MILLIS}: Raft retries every few milliseconds, and the log should say what is
 * wrong, not drown in it.
 */
public final class Complaints {
  static final long EVERY_MILLIS = 30_000;

  private final Logger log;
  private final Map<String, Long> lastNanos = new ConcurrentHashMap<>();

  public Complaints(Logger log) {
    this.log = log;
  }

  public void log(String kind, String message) {
    long now = System.nanoTime();
    Long last = lastNanos.get(kind);
    if (last != null && now - last < TimeUnit.MILLISECONDS.toNanos(EVERY_MILLIS)) {
      return;
    }
    lastNanos.put(kind, now);
    log.error(message);
  }
}
