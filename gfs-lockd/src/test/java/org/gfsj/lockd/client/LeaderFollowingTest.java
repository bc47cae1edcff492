package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients started on followers end up on the leader, and on the next leader after the first is
 * killed (SIGKILL, peers in their own JVMs), without losing a grant or a blocking event on the
 * way.
 */
class LeaderFollowingTest {
  private static final int CLIENTS = 4;
  private static final ResourceName SHARED = new ResourceName(2, 7);

  @TempDir Path dir;
  private PeerProcesses peers;
  private final List<LockdClient> clients = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (LockdClient c : clients) {
      c.close();
    }
    if (peers != null) {
      peers.close();
    }
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private String awaitLeader() {
    return peers.awaitLeader(Duration.ofSeconds(30), "a leader");
  }

  private void awaitAllOn(String leader) {
    InetSocketAddress address = peers.clientAddress(leader);
    Await.until(Duration.ofSeconds(30), "every client on leader " + leader, () -> {
      for (LockdClient c : clients) {
        if (!address.equals(c.connectedPeer().join())) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * Peers started with --client-port far from their Raft port + 1: followers must name the
   * leader's real client port (it travels in the log), or clients would stay on followers.
   */
  @Test
  void clientsFollowTheLeaderToAClientPortGivenOnItsCommandLine() throws Exception {
    peers = new PeerProcesses(dir, Path.of("target", "peer-logs",
        "own-client-ports-" + System.currentTimeMillis()), 3, List.of(), true);
    peers.startAll();
    String leader = awaitLeader();
    List<InetSocketAddress> followers = new ArrayList<>();
    for (String id : peers.ids()) {
      if (!id.equals(leader)) {
        followers.add(peers.clientAddress(id));
      }
    }
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(get(LockdClient.connect(new LockdClientConfig(followers, "node" + i, 10_000,
          500, 3_000, 2_000), new LockdListener() {})));
    }
    awaitAllOn(leader);
    peers.kill(leader);
    String next = awaitLeader();
    awaitAllOn(next);
    for (int i = 0; i < CLIENTS; i++) {
      ResourceName own = new ResourceName(3, i);
      assertEquals(LockMode.EX, get(clients.get(i).lock(own, LockMode.EX, false)).mode());
      get(clients.get(i).unlock(own, null));
    }
  }

  @Test
  void clientsStartedOnFollowersMoveToTheLeaderAndFollowTheNextOne() throws Exception {
    peers = new PeerProcesses(dir, Path.of("target", "peer-logs",
        "leader-following-" + System.currentTimeMillis()), 3, List.of());
    peers.startAll();
    String leader = awaitLeader();
    // Only followers in the list: each client starts on one, and only a hint can take it away.
    List<InetSocketAddress> followers = new ArrayList<>();
    for (String id : peers.ids()) {
      if (!id.equals(leader)) {
        followers.add(peers.clientAddress(id));
      }
    }
    List<String> blockingSeen = new CopyOnWriteArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      LockdListener listener = i == 0 ? new LockdListener() {
        @Override
        public void blocking(ResourceName resource, LockMode wanted) {
          blockingSeen.add(resource + " " + wanted);
        }
      } : new LockdListener() {};
      clients.add(get(LockdClient.connect(new LockdClientConfig(followers, "node" + i, 10_000,
          500, 3_000, 2_000), listener)));
    }
    awaitAllOn(leader);
    for (int i = 0; i < CLIENTS; i++) {
      ResourceName own = new ResourceName(3, i);
      assertEquals(LockMode.EX, get(clients.get(i).lock(own, LockMode.EX, false)).mode());
      get(clients.get(i).unlock(own, null));
    }

    // Client 0 holds SHARED; client 1 waits for it across the leader's death.
    get(clients.get(0).lock(SHARED, LockMode.EX, false));
    CompletableFuture<Grant> waiting = clients.get(1).lock(SHARED, LockMode.PR, false);
    Await.until(Duration.ofSeconds(30), "client 0 told that it blocks client 1",
        () -> blockingSeen.contains(SHARED + " PR"));
    peers.kill(leader);
    String next = awaitLeader();
    awaitAllOn(next);
    assertFalse(waiting.isDone());
    get(clients.get(0).unlock(SHARED, null));
    assertEquals(LockMode.PR, get(waiting).mode());
    for (int i = 0; i < CLIENTS; i++) {
      ResourceName own = new ResourceName(3, i);
      assertEquals(LockMode.EX, get(clients.get(i).lock(own, LockMode.EX, false)).mode());
      get(clients.get(i).unlock(own, null));
    }
  }
}
