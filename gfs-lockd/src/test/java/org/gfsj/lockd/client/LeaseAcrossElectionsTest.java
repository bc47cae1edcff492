package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Hello;
import org.gfsj.lockd.proto.MemberRecord;
import org.gfsj.lockd.proto.Register;
import org.gfsj.lockd.proto.Reply;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.Status;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.PeerProcesses;
import org.gfsj.lockd.wire.FrameCodecs;
import org.gfsj.lockd.wire.NettyTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients keep their leases while lockd peers pause (SIGSTOP, as a long JVM pause) and leadership
 * moves, as long as a quorum comes back in time: self-fencing is for a node that truly cannot
 * reach lockd, not for one whose requests waited out an election.
 */
class LeaseAcrossElectionsTest {
  private static final long LEASE = 6_000;
  private static final long RENEW_EVERY = 300;
  private static final long MARGIN = 2_000;
  private static final long REQUEST_TIMEOUT = 1_000;
  private static final int MANY = 32;
  private static final int PAUSES = 3;

  @TempDir Path dir;
  private PeerProcesses peers;
  private final List<LockdClient> clients = new ArrayList<>();

  @AfterEach
  void stopAll() {
    // Clients first, so that they leave while the peers answer; each may wait for its leave.
    clients.parallelStream().forEach(LockdClient::close);
    if (peers != null) {
      peers.close();
    }
  }

  private LockdClientConfig config(String name) {
    return new LockdClientConfig(peers.clientAddresses(), name, LEASE, RENEW_EVERY, MARGIN,
        REQUEST_TIMEOUT);
  }

  private static LockdListener recordingFence(AtomicReference<String> fenced) {
    return new LockdListener() {
      @Override
      public void selfFenced(String why) {
        fenced.compareAndSet(null, why);
      }
    };
  }

  /** Starts three peers logging under {@code name}; returns the leader they elect. */
  private String startThree(String name) throws Exception {
    peers = new PeerProcesses(dir, Path.of("target", "peer-logs",
        name + "-" + System.currentTimeMillis()), 3, List.of());
    peers.startAll();
    return awaitLeader();
  }

  private String awaitLeader() {
    return peers.awaitLeader(Duration.ofSeconds(30), "a leader");
  }

  /**
   * The shape of the bench failure during start-up: a node's registration waits longer than
   * the lease minus the margin for a leader that can commit, and is then applied. The peers'
   * lease of the node starts when they apply the registration, so the node has a whole lease
   * ahead of it; counting from the first time it sent the registration, it fenced itself at
   * once.
   */
  @Test
  void aNodeWhoseRegistrationWaitedOutAnElectionDoesNotFenceItself() throws Exception {
    String leader = startThree("slow-registration");
    List<String> followers = peers.ids().stream().filter(id -> !id.equals(leader)).toList();
    AtomicReference<String> fenced = new AtomicReference<>();
    CompletableFuture<LockdClient> connecting;
    followers.forEach(peers::pause);
    try {
      connecting = LockdClient.connect(config("late-joiner"), recordingFence(fenced));
      // Not a wait for a condition: the outage itself, longer than the lease minus the margin.
      Thread.sleep(LEASE - MARGIN + 1_000);
      assertFalse(connecting.isDone(), "registered without a quorum");
    } finally {
      followers.forEach(peers::resume);
    }
    LockdClient client = connecting.get(30, TimeUnit.SECONDS);
    clients.add(client);

    // A whole lease of work: every renewal from here on is answered by a working cluster.
    ResourceName r = new ResourceName(4, 1);
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEASE);
    while (System.nanoTime() < end) {
      assertEquals(LockMode.EX, client.lock(r, LockMode.EX, false).get(10, TimeUnit.SECONDS)
          .mode());
      client.unlock(r, null).get(10, TimeUnit.SECONDS);
    }
    assertNull(fenced.get(), "the node fenced itself although lockd answered it");
  }

  /**
   * The server's side of a late registration, made repeatable: the leader accepts (and
   * stamps) a registration while both followers are paused, longer than the lease; then one
   * follower comes back, the leader must win again (its log is the longer one), and the entry
   * applies with its lease already past by the stamps. The node, a bare connection, never
   * renews. The leader must still give it a whole lease of its own counting before it suspects
   * it; lapsing it by the stamps alone suspected it within a few hundred milliseconds, racing
   * the first renewal of a real client (that rule failed here in 2 of 3 runs; in the third
   * the entry was likely sent again after the outage, with a fresh stamp). And it does suspect
   * the silent node after that.
   */
  @Test
  void aRegistrationAppliedWithItsLeasePastGetsAWholeLeaseFromTheLeader() throws Exception {
    String leader = startThree("late-lease");
    List<String> followers = peers.ids().stream().filter(id -> !id.equals(leader)).toList();
    long lease = 3_000;
    try (BareConnection node = new BareConnection(peers.clientAddress(leader));
        LockdAdmin admin = new LockdAdmin(2_000, null)) {
      followers.forEach(peers::pause);
      node.send(ClientFrame.newBuilder().setRequest(Request.newBuilder().setClientId(77).setSeq(1)
          .setRegister(Register.newBuilder().setNodeName("silent").setLeaseMillis(lease))).build());
      // Not a wait for a condition: the outage itself, longer than the lease.
      Thread.sleep(lease + 1_000);
      peers.resume(followers.get(0));
      Reply registered = node.reply(Duration.ofSeconds(30));
      assertEquals(Status.OK, registered.getStatus(), registered.getError());
      long appliedNanos = System.nanoTime();

      InetSocketAddress at = peers.clientAddress(leader);
      while (System.nanoTime() - appliedNanos < TimeUnit.MILLISECONDS.toNanos(lease / 2)) {
        assertEquals("LIVE", memberState(admin, at, "silent"),
            "suspected " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - appliedNanos)
                + " ms after its registration applied, without a lease of the leader's own");
      }
      Await.until(Duration.ofMillis(lease * 3), "the silent node suspected",
          () -> "SUSPECTED".equals(memberState(admin, at, "silent")));
    } finally {
      // The first follower may be resumed already; a second SIGCONT does nothing.
      followers.forEach(peers::resume);
    }
  }

  private static String memberState(LockdAdmin admin, InetSocketAddress peer, String name) {
    try {
      for (MemberRecord m : admin.dump(peer).getMembersList()) {
        if (m.getName().equals(name)) {
          return m.getState();
        }
      }
      return "unknown";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A node's connection to one lockd peer without {@link LockdClient}'s logic (it never renews):
   * says hello, sends the frames given, keeps the replies.
   */
  private static final class BareConnection implements AutoCloseable {
    private final EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, NettyTransport.best().ioHandlerFactory());
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final Channel channel;

    BareConnection(InetSocketAddress peer) {
      try {
        channel = connect(peer);
      } catch (RuntimeException e) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        throw e;
      }
      send(ClientFrame.newBuilder().setHello(Hello.newBuilder().setClientId(77)).build());
    }

    private Channel connect(InetSocketAddress peer) {
      return new Bootstrap().group(group).channel(NettyTransport.best().socketChannel())
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              FrameCodecs.clientSide(ch.pipeline(), null);
              ch.pipeline().addLast(new SimpleChannelInboundHandler<ServerFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ServerFrame f) {
                  if (f.hasReply()) {
                    replies.add(f.getReply());
                  }
                }
              });
            }
          })
          .connect(new InetSocketAddress(peer.getHostString(), peer.getPort()))
          .syncUninterruptibly().channel();
    }

    void send(ClientFrame frame) {
      channel.writeAndFlush(frame).syncUninterruptibly();
    }

    Reply reply(Duration within) throws InterruptedException {
      Reply r = replies.poll(within.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(r, "no reply within " + within);
      return r;
    }

    @Override
    public void close() {
      channel.close().syncUninterruptibly();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * The other side of the same guarantee, with renewals now sent whether or not the previous one
   * was answered: when no quorum answers at all (every peer paused, connections open and
   * silent), the node still stops the margin before lockd could count its lease as lapsed.
   */
  @Test
  void aNodeThatReachesNoQuorumStillFencesItselfInTime() throws Exception {
    String leader = startThree("no-quorum");
    CompletableFuture<Long> fencedAt = new CompletableFuture<>();
    LockdClient client = LockdClient.connect(config("stranded"), new LockdListener() {
      @Override
      public void selfFenced(String why) {
        fencedAt.complete(System.nanoTime());
      }
    }).get(30, TimeUnit.SECONDS);
    clients.add(client);
    ResourceName r = new ResourceName(4, 2);
    long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < warm) {
      client.lock(r, LockMode.EX, false).get(10, TimeUnit.SECONDS);
      client.unlock(r, null).get(10, TimeUnit.SECONDS);
    }
    // Leader first: from here on nothing commits, so every renewal lockd applied (and every
    // one the node hears of) was sent before this moment.
    long lost = System.nanoTime();
    peers.pause(leader);
    peers.ids().stream().filter(id -> !id.equals(leader)).forEach(peers::pause);

    long fenced = fencedAt.get(LEASE * 2, TimeUnit.MILLISECONDS);
    long afterLoss = TimeUnit.NANOSECONDS.toMillis(fenced - lost);
    assertTrue(afterLoss <= LEASE - MARGIN, "fenced " + afterLoss + " ms after the loss");
    // Not needlessly early either (loose: two busy cores can stall a renewal for a while).
    assertTrue(afterLoss >= (LEASE - MARGIN) / 2,
        "fenced too early: " + afterLoss + " ms after the loss");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.lock(new ResourceName(4, 3), LockMode.PR, false).get(5, TimeUnit.SECONDS));
    assertEquals(LockdException.Outcome.FENCED, ((LockdException) e.getCause()).outcome());
  }

  /**
   * The bench's clients under the bench's settings, while the leader's JVM stops for about a
   * second, several times and only 3 s apart (as under GC or a host stall): leadership moves,
   * every client follows and keeps its lease, and none fences itself. Not deterministic: before
   * the fixes it failed in 2 of 4 runs here (a new leader's lane stuck on the old one, clients
   * reconnecting to the peer they had just left, renewals counted from their first sending),
   * and with the pauses 3 s apart in 2 of 3 runs under load, then 1 of 20 on Ratis 3.3.0
   * (lanes' entries stuck 3-6 s on a paused or stepping-down leader, clients going back to a
   * silent leader; see Replica.CLIENT_ATTEMPT_TIMEOUT and Batcher's takeOverIfLeading).
   */
  @Test
  void manyClientsKeepTheirLeasesWhileTheLeaderPausesRepeatedly() throws Exception {
    startThree("leader-pauses");
    AtomicReference<String> fenced = new AtomicReference<>();
    List<CompletableFuture<LockdClient>> connecting = new ArrayList<>();
    for (int i = 0; i < MANY; i++) {
      connecting.add(LockdClient.connect(LockdClientConfig.defaults(peers.clientAddresses(),
          "busy-" + i), recordingFence(fenced)));
    }
    for (CompletableFuture<LockdClient> c : connecting) {
      clients.add(c.get(60, TimeUnit.SECONDS));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < MANY; i++) {
      LockdClient c = clients.get(i);
      ResourceName own = new ResourceName(5, i);
      Thread t = new Thread(() -> {
        try {
          while (!stop.get()) {
            c.lock(own, LockMode.EX, false).get(60, TimeUnit.SECONDS);
            c.unlock(own, null).get(60, TimeUnit.SECONDS);
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
      }, "busy-" + i);
      workers.add(t);
      t.start();
    }
    try {
      for (int round = 0; round < PAUSES && fenced.get() == null; round++) {
        String leader = awaitLeader();
        peers.pause(leader);
        try {
          // The pause itself, not a wait for a condition: a long stop-the-world pause.
          Thread.sleep(1_100);
        } finally {
          peers.resume(leader);
        }
        // The next leader leads for 3 s before its own pause: long enough for every client to
        // find it and renew, were nothing lost on the way. Two elections this close used to
        // leave clients without a renewal for longer than the lease minus the margin (see
        // above). Ratis 3.3.0 may still keep a leader that steps down deaf for 5 s, so two
        // pauses close together can leave no quorum for a while; the lease must cover that.
        Thread.sleep(3_000);
      }
    } finally {
      stop.set(true);
      for (Thread t : workers) {
        t.join(TimeUnit.SECONDS.toMillis(90));
      }
    }
    assertNull(fenced.get(), "a client fenced itself while a quorum was reachable");
    assertNull(failure.get(), "a client's lock or unlock failed: " + failure.get());
  }
}
