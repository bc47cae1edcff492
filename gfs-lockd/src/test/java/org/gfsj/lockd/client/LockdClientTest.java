package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.server.InProcessCluster;
import org.gfsj.lockd.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockdClientTest {
  private static final ResourceName INODE = new ResourceName(2, 42);

  @TempDir Path dir;
  private InProcessCluster cluster;
  private final List<LockdClient> clients = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startCluster() throws Exception {
    cluster = new InProcessCluster(dir, 3);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (LockdClient c : clients) {
      c.close();
    }
    cluster.close();
  }

  private LockdClient client(String name, LockdListener listener) throws Exception {
    LockdClient c = LockdClient.connect(
        LockdClientConfig.defaults(cluster.clientAddresses(), name), listener)
        .get(30, TimeUnit.SECONDS);
    clients.add(c);
    return c;
  }

  private String followerOf(String leader) {
    return cluster.peers().raft().keySet().stream()
        .filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  /** A client that knows only {@code peer}'s address. */
  private LockdClient clientOf(String peer) throws Exception {
    LockdClient c = LockdClient.connect(
        LockdClientConfig.defaults(cluster.clientAddress(peer), "c"), new LockdListener() {})
        .get(30, TimeUnit.SECONDS);
    clients.add(c);
    return c;
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void waiterIsHandedTheLockWithTheValueBlockWhenTheHolderReleases() throws Exception {
    List<String> blockingSeen = new CopyOnWriteArrayList<>();
    LockdClient a = client("a", new LockdListener() {
      @Override
      public void blocking(ResourceName resource, LockMode wanted) {
        blockingSeen.add(resource + " " + wanted);
      }
    });
    LockdClient b = client("b", new LockdListener() {});
    assertNotEquals(a.journalSlot(), b.journalSlot());
    assertEquals(LockMode.EX, get(a.lock(INODE, LockMode.EX, false)).mode());
    CompletableFuture<Grant> waiting = b.lock(INODE, LockMode.PR, false);
    Await.until(Duration.ofSeconds(10), "a blocking event", () -> !blockingSeen.isEmpty());
    assertEquals(List.of(INODE + " PR"), blockingSeen);
    assertFalse(waiting.isDone());
    get(a.unlock(INODE, new byte[] {4, 2}));
    Grant g = get(waiting);
    assertEquals(LockMode.PR, g.mode());
    assertArrayEquals(new byte[] {4, 2}, g.valueBlock());
    assertEquals(LockMode.PR, get(b.held(INODE)));
  }

  @Test
  void tryLockFailsAtOnceAndMisuseIsRefused() throws Exception {
    LockdClient a = client("a", new LockdListener() {});
    LockdClient b = client("b", new LockdListener() {});
    get(a.lock(INODE, LockMode.PW, false));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> get(b.lock(INODE, LockMode.PR, true)));
    assertEquals(LockdException.Outcome.NOT_GRANTED, ((LockdException) e.getCause()).outcome());
    e = assertThrows(ExecutionException.class, () -> get(b.unlock(INODE, null)));
    assertEquals(LockdException.Outcome.REFUSED, ((LockdException) e.getCause()).outcome());
    assertEquals(LockMode.CR, get(a.convert(INODE, LockMode.CR, false, null)).mode());
    assertEquals(LockMode.PR, get(b.lock(INODE, LockMode.PR, true)).mode());
  }

  @Test
  void grantsAndBlockingNewsSurviveTheLossOfTheClientsPeer() throws Exception {
    ResourceName other = new ResourceName(2, 43);
    List<String> blockingSeen = new CopyOnWriteArrayList<>();
    // b follows the leader, and moves on when the leader goes away.
    LockdClient b = client("b", new LockdListener() {
      @Override
      public void blocking(ResourceName resource, LockMode wanted) {
        blockingSeen.add(resource + " " + wanted);
      }
    });
    LockdClient c = client("c", new LockdListener() {});
    get(c.lock(other, LockMode.EX, false));
    get(b.lock(INODE, LockMode.EX, false));
    CompletableFuture<Grant> bWaits = b.lock(other, LockMode.EX, false);
    // n3 may lag the leader that answered c: until it applies c's grant it knows no `other`.
    Await.until(Duration.ofSeconds(10), "b queued", () -> cluster.replica("n3").stateMachine()
        .read(applier -> applier.space().resource(other) != null
            && applier.space().resource(other).waitingHolders().size() == 1));

    String leader = cluster.leader();
    InetSocketAddress leaderAddress = cluster.clientAddress(leader).get(0);
    Await.until(Duration.ofSeconds(10), "b on the leader",
        () -> leaderAddress.equals(b.connectedPeer().join()));
    cluster.stop(leader);
    // Both events happen while b is between peers: its grant on `other`, and c wanting INODE.
    get(c.unlock(other, null));
    CompletableFuture<Grant> cWaits = c.lock(INODE, LockMode.PR, false);

    assertEquals(LockMode.EX, get(bWaits).mode());
    Await.until(Duration.ofSeconds(20), "b told that it blocks c",
        () -> blockingSeen.contains(INODE + " PR"));
    get(b.unlock(INODE, null));
    assertEquals(LockMode.PR, get(cWaits).mode());
  }

  @Test
  void aClientStaysOnItsFollowerWhileTheLeaderCannotBeReached() throws Exception {
    String leader = cluster.leader();
    cluster.closeClientPort(leader);
    String follower = followerOf(leader);
    InetSocketAddress followerAddress = cluster.clientAddress(follower).get(0);
    LockdClient c = clientOf(follower);
    // Longer than the least time between two moves: a client that flapped would have left.
    long until = System.nanoTime()
        + TimeUnit.MILLISECONDS.toNanos(LockdClient.FOLLOW_EVERY_MILLIS * 2);
    int pairs = 0;
    while (System.nanoTime() < until || pairs < 10) {
      assertEquals(LockMode.EX, get(c.lock(INODE, LockMode.EX, false)).mode());
      get(c.unlock(INODE, null));
      assertEquals(followerAddress, get(c.connectedPeer()));
      pairs++;
    }
  }

  @Test
  void aFollowerThatBecomesLeaderMakesItsClientsForgetTheLeaderItNamed() throws Exception {
    String leader = cluster.leader();
    cluster.closeClientPort(leader);
    String follower = followerOf(leader);
    InetSocketAddress followerAddress = cluster.clientAddress(follower).get(0);
    LockdClient c = clientOf(follower);
    InetSocketAddress leaderAddress = cluster.clientAddress(leader).get(0);
    Await.until(Duration.ofSeconds(10), "c told of the leader it cannot reach",
        () -> leaderAddress.equals(c.namedLeader().join()));

    cluster.transferLeadership(follower);
    // Otherwise c would try the former leader every few seconds for as long as it is away,
    // and move to it, a follower now, once it is back.
    Await.until(Duration.ofSeconds(10), "c forgetting the former leader",
        () -> c.namedLeader().join() == null);
    assertEquals(LockMode.EX, get(c.lock(INODE, LockMode.EX, false)).mode());
    get(c.unlock(INODE, null));
    assertEquals(followerAddress, get(c.connectedPeer()));
  }
}
