package org.gfsj.tools.lockd;

import java.util.concurrent.CompletableFuture;

/** One lock service under benchmark: sessions that take and release an exclusive lock. */
interface PairRunner extends AutoCloseable {

  String name();

  /**
   * CPU time the service's server processes have used so far: per pair, a second view of the
   * two systems' cost beside their throughput.
   */
  java.time.Duration serverCpu();

  /**
   * How many entries the service's replicated log holds so far, if it tells: beside the pairs,
   * how many requests share an entry.
   */
  default java.util.OptionalLong logEntries() {
    return java.util.OptionalLong.empty();
  }

  /** Opens {@code clients} independent sessions (nodes), numbered from 0. */
  void open(int clients) throws Exception;

  /**
   * Locks {@code resource} exclusively for session {@code client}, then unlocks it; completes
   * with the nanoseconds the lock took to be granted.
   */
  CompletableFuture<Long> pair(int client, String resource);

  /** Closes the sessions, not the service. */
  @Override
  void close() throws Exception;
}
