package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.server.InProcessCluster;
import org.gfsj.lockd.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot reach lockd stops its I/O before its lease can lapse at the leader. */
class SelfFenceTest {
  private static final long LEASE = 6_000;
  private static final long RENEW_EVERY = 300;
  private static final long MARGIN = 2_000;

  @TempDir Path dir;

  @Test
  void aNodeCutOffFromLockdFencesItselfTheMarginBeforeItsLeaseEnds() throws Exception {
    CompletableFuture<Long> fencedAt = new CompletableFuture<>();
    LockdClient client;
    long lastRenewalSentBefore;
    try (InProcessCluster cluster = new InProcessCluster(dir, 1)) {
      Await.until(Duration.ofSeconds(30), "a leader", () -> cluster.replica("n1").isLeader());
      client = LockdClient.connect(new LockdClientConfig(cluster.clientAddresses(), "lonely",
          LEASE, RENEW_EVERY, MARGIN, 1_000), new LockdListener() {
            @Override
            public void selfFenced(String why) {
              fencedAt.complete(System.nanoTime());
            }
          }).get(30, TimeUnit.SECONDS);
      // Some traffic first, so that the JVM is warm and renewals flow at their pace.
      long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      ResourceName r = new ResourceName(2, 1);
      while (System.nanoTime() < warm) {
        client.lock(r, LockMode.EX, false).get(30, TimeUnit.SECONDS);
        client.unlock(r, null).get(30, TimeUnit.SECONDS);
      }
      // Renewals confirmed so far were sent before the peer started to go away.
      lastRenewalSentBefore = System.nanoTime();
    }
    // The peer's graceful close takes a while and may still answer a renewal sent meanwhile;
    // none sent after this point is answered.
    long gone = System.nanoTime();
    try {
      long fenced = fencedAt.get(LEASE * 2, TimeUnit.MILLISECONDS);
      long afterGone = TimeUnit.NANOSECONDS.toMillis(fenced - gone);
      // Safety: the node stops before the leader could count the lease as lapsed, which is
      // LEASE after the last renewal it applied, sent before the peer was gone. (The exact
      // bound, from the last answered renewal, is LeaseAcrossElectionsTest's, where SIGSTOP
      // cuts the peers off at a known moment.)
      assertTrue(afterGone <= LEASE - MARGIN, "fenced " + afterGone + " ms after the peer was"
          + " gone");
      // And not needlessly early: renewals were confirmed until shortly before the loss (the
      // bound is loose because two busy cores can stall a renewal for a while).
      long afterLoss = TimeUnit.NANOSECONDS.toMillis(fenced - lastRenewalSentBefore);
      assertTrue(afterLoss >= (LEASE - MARGIN) / 2,
          "fenced too early: " + afterLoss + " ms after the loss");
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> client.lock(new ResourceName(2, 2), LockMode.PR, false).get(5, TimeUnit.SECONDS));
      assertEquals(LockdException.Outcome.FENCED, ((LockdException) e.getCause()).outcome());
    } finally {
      client.close();
    }
  }
}
