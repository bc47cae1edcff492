package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.server.InProcessCluster;
import org.gfsj.lockd.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release another node waits for leaves the peer at once, in an entry of its own (the
 * batcher's express lane), yet the next request of the same client, sent before the release is
 * answered, is still applied after it: the client queues behind the waiter instead of being
 * refused for a lock it "still holds".
 */
class ContendedReleaseTest {
  private static final int ROUNDS = 20;

  @TempDir Path dir;

  @Test
  void theRequestAfterAContendedReleaseIsAppliedAfterIt() throws Exception {
    Set<ResourceName> blocked = ConcurrentHashMap.newKeySet();
    try (InProcessCluster cluster = new InProcessCluster(dir, 1)) {
      Await.until(Duration.ofSeconds(30), "a leader", () -> cluster.replica("n1").isLeader());
      LockdClient a = LockdClient.connect(LockdClientConfig.defaults(cluster.clientAddresses(),
          "a"), new LockdListener() {
            @Override
            public void blocking(ResourceName resource, LockMode wanted) {
              blocked.add(resource);
            }
          }).get(30, TimeUnit.SECONDS);
      LockdClient b = LockdClient.connect(LockdClientConfig.defaults(cluster.clientAddresses(),
          "b"), new LockdListener() {}).get(30, TimeUnit.SECONDS);
      try {
        for (int i = 0; i < ROUNDS; i++) {
          ResourceName r = new ResourceName(9, i);
          get(a.lock(r, LockMode.EX, false));
          CompletableFuture<Grant> bWaits = b.lock(r, LockMode.PR, false);
          Await.until(Duration.ofSeconds(30), "a told that b waits for " + r,
              () -> blocked.contains(r));
          CompletableFuture<Void> released = a.unlock(r, null);
          CompletableFuture<Grant> again = a.lock(r, LockMode.EX, false);
          assertEquals(LockMode.PR, get(bWaits).mode(), "b is handed the lock a released");
          get(released);
          get(b.unlock(r, null));
          assertEquals(LockMode.EX, get(again).mode(), "a queued behind b and got it back");
          get(a.unlock(r, null));
        }
      } finally {
        a.close();
        b.close();
      }
    }
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }
}
