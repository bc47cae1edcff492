package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.state.LogApplier;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers join and leave a running group: a fourth peer added after snapshots were taken and the
 * log purged catches up (from a snapshot) to the same state, and the group keeps serving after
 * an original peer is removed.
 */
class PeerChangeTest {
  private static final long SNAPSHOT_EVERY = 30;

  @TempDir Path dir;

  private static void traffic(LockdClient c, int pairs) throws Exception {
    ResourceName r = new ResourceName(2, 5);
    for (int i = 0; i < pairs; i++) {
      c.lock(r, LockMode.EX, false).get(30, TimeUnit.SECONDS);
      c.unlock(r, new byte[] {(byte) i}).get(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitSame(InProcessCluster cluster, List<String> ids) {
    Await.until(Duration.ofSeconds(60), ids + " at one index with one state", () -> {
      long index = -2;
      byte[] digest = null;
      for (String id : ids) {
        Replica r = cluster.replica(id);
        long i = r.stateMachine().getLastAppliedTermIndex().getIndex();
        byte[] d = r.stateMachine().read(LogApplier::digest);
        if (index != -2 && (i != index || !java.util.Arrays.equals(d, digest))) {
          return false;
        }
        index = i;
        digest = d;
      }
      return true;
    });
  }

  @Test
  void aPeerAddedLateCatchesUpAndARemovedPeerIsNotMissed() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 3, null, SNAPSHOT_EVERY)) {
      LockdClient client = LockdClient.connect(
          LockdClientConfig.defaults(cluster.clientAddress("n2"), "worker"),
          new LockdListener() {}).get(30, TimeUnit.SECONDS);
      try {
        traffic(client, 60);
        PeerList three = cluster.peers();
        PeerList four = PeerList.parse(spec(three) + ",n4=127.0.0.1:" + FreePorts.pair());
        cluster.start("n4", four);
        Membership.change(three, four, "test", RaftTransport.PLAIN);
        traffic(client, 10);
        awaitSame(cluster, List.of("n1", "n2", "n3", "n4"));

        PeerList withoutN1 = PeerList.parse(spec(four).replaceFirst("n1=[^,]*,", ""));
        Membership.change(four, withoutN1, "test", RaftTransport.PLAIN);
        cluster.stop("n1");
        traffic(client, 10);
        awaitSame(cluster, List.of("n2", "n3", "n4"));
        assertArrayEquals(cluster.replica("n2").stateMachine().read(LogApplier::digest),
            cluster.replica("n4").stateMachine().read(LogApplier::digest));
      } finally {
        client.close();
      }
    }
  }

  @Test
  void aNewPeerThatIsNotRunningIsRefusedAtOnceAndNothingChanges() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 3)) {
      String leader = cluster.leader();
      PeerList three = cluster.peers();
      int port = FreePorts.pair();
      PeerList four = PeerList.parse(spec(three) + ",n4=127.0.0.1:" + port);
      IOException e = assertThrows(IOException.class,
          () -> Membership.change(three, four, "test", RaftTransport.PLAIN));
      assertTrue(e.getMessage().startsWith(
          "new peer n4 at 127.0.0.1:" + port + " does not answer"), e.getMessage());
      assertEquals(3, cluster.replica(leader).division().getGroup().getPeers().size());
    }
  }

  private static String spec(PeerList list) {
    List<String> parts = new ArrayList<>();
    list.raft().keySet().stream().sorted().forEach(id -> parts.add(
        id + "=" + list.raft().get(id).getHostString() + ":" + list.raft().get(id).getPort()));
    return String.join(",", parts);
  }
}
