package org.gfsj.etcddriver;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark session on etcd: its own jetcd {@link Client} (one gRPC connection to one member)
 * and its own lease, under which it takes locks through etcd's lock service (v3lock: Lock blocks
 * in the server until the lock is granted; Unlock deletes the lock key).
 */
final class EtcdSession implements AutoCloseable {
  /**
   * Long enough for any benchmark case without keep-alive traffic beside the locks; the lease
   * is revoked on close, and the etcd members do not outlive the run.
   */
  private static final long LEASE_SECONDS = 600;

  private final Client client;
  private final long lease;

  private EtcdSession(Client client, long lease) {
    this.client = client;
    this.lease = lease;
  }

  /** Connects to {@code endpoint} and grants the session's lease. */
  static CompletableFuture<EtcdSession> open(String endpoint) {
    Client client = Client.builder().endpoints(endpoint).build();
    return client.getLeaseClient().grant(LEASE_SECONDS)
        .thenApply(r -> new EtcdSession(client, r.getID()))
        .whenComplete((s, error) -> {
          if (error != null) {
            client.close();
          }
        });
  }

  /**
   * Locks {@code resource}, holds it for {@code holdNanos} (while {@code holders} counts this
   * session among the holders), unlocks it; completes with the nanoseconds until the grant.
   */
  CompletableFuture<Long> pair(String resource, long holdNanos, HolderCount holders) {
    ByteSequence name = ByteSequence.from(resource, StandardCharsets.UTF_8);
    long start = System.nanoTime();
    return client.getLockClient().lock(name, lease).thenCompose(granted -> {
      long locked = System.nanoTime() - start;
      holders.enter(resource);
      Executor afterHold = holdNanos > 0
          ? CompletableFuture.delayedExecutor(holdNanos, TimeUnit.NANOSECONDS)
          : Runnable::run;
      return CompletableFuture.supplyAsync(() -> {
        // Leave before the unlock is sent: the next holder's grant can only follow the unlock.
        holders.leave(resource);
        return granted.getKey();
      }, afterHold)
          .thenCompose(key -> client.getLockClient().unlock(key))
          .thenApply(unlocked -> locked);
    });
  }

  /** Revokes the lease (releasing any lock key left under it) and closes the connection. */
  @Override
  public void close() throws Exception {
    try {
      client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }
}
