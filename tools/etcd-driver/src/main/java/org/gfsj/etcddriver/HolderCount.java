package org.gfsj.etcddriver;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many sessions of this driver hold each lock right now: a lock service under benchmark
 * that grants one lock to two sessions at once is broken, and its figures mean nothing. A
 * session enters after its grant arrives and leaves before it sends the unlock, so with a
 * correct lock the count never exceeds one, however the threads interleave.
 */
final class HolderCount {
  private final ConcurrentHashMap<String, AtomicInteger> holders = new ConcurrentHashMap<>();

  /** Counts one more holder of {@code resource}; throws if another one holds it already. */
  void enter(String resource) {
    int now = holders.computeIfAbsent(resource, r -> new AtomicInteger()).incrementAndGet();
    if (now > 1) {
      holders.get(resource).decrementAndGet();
      throw new IllegalStateException("etcd granted " + resource + " to a session while "
          + (now - 1) + " other session(s) held it");
    }
  }

  void leave(String resource) {
    holders.get(resource).decrementAndGet();
  }
}
