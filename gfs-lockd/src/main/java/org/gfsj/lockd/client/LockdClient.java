package org.gfsj.lockd.client;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Convert;
import org.gfsj.lockd.proto.Event;
import org.gfsj.lockd.proto.Hello;
import org.gfsj.lockd.proto.Holding;
import org.gfsj.lockd.proto.JournalRecovered;
import org.gfsj.lockd.proto.LeaderHint;
import org.gfsj.lockd.proto.Leave;
import org.gfsj.lockd.proto.Lock;
import org.gfsj.lockd.proto.Register;
import org.gfsj.lockd.proto.Renew;
import org.gfsj.lockd.proto.Reply;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.Resync;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.Status;
import org.gfsj.lockd.proto.Unlock;
import org.gfsj.lockd.state.WireTypes;
import org.gfsj.lockd.wire.AuthenticationException;
import org.gfsj.lockd.wire.FrameCodecs;
import org.gfsj.lockd.wire.HostPort;
import org.gfsj.lockd.wire.NettyTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's connection to lockd: asynchronous lock, convert and unlock, pushed "granted" and
 * "blocking" events, lease renewal and self-fencing.
 *
 * <h2>Exactly once across peers</h2>
 * Every request carries this client's random id and a sequence number, and stays in
 * {@code pending} until its reply arrives; each request tells lockd which replies were received
 * ({@code acked_below}), so lockd keeps the others for replay. The client talks to one peer at a
 * time and hears from that peer's replica, in log order. When it moves to another peer (the old
 * one closed, or was silent on a request for {@code requestTimeoutMillis}) it sends, in order:
 * hello, a resync, then every pending request again. Everything the new peer sends before the
 * resync reply stems from older log entries and is dropped. The resync reply carries, as of its
 * log entry, every reply this client has not acknowledged (so replies lost with the old peer are
 * processed first, in seq order) and the state of its holds (granted mode, pending request,
 * whom each hold blocks), from which grants of already-queued requests and blocking news lost
 * with the old peer are recovered. Requests not yet applied at the resync are applied after it
 * and answered normally; those applied before are answered from the replay cache and ignored.
 * A grant is only ever taken from a hold's state for a request known to be queued, never for
 * one whose reply is missing: the hold might still be the one an earlier, not yet applied
 * unlock is about to release. So no grant, blocking event or reply is lost, and none applies
 * twice.
 *
 * <h2>Following the leader</h2>
 * A peer answers from its own replica, so a client on a follower hears of each commit a round
 * trip late. A follower therefore names the leader (after hello and when the leader changes),
 * and the client moves there exactly as it moves on peer loss: it connects while keeping the
 * old connection, and only once connected switches (hello, resync, pending requests again) and
 * closes the old one. If the leader cannot be reached, or is the peer just left for being silent
 * on a request, it stays where it is and tries again after {@link #FOLLOW_RETRY_MILLIS} (a
 * different leader named meanwhile is tried at once);
 * moves to a leader are at most one per
 * {@link #FOLLOW_EVERY_MILLIS}, so peers with stale, disagreeing views cannot bounce it.
 *
 * <h2>Lease</h2>
 * lockd's lease of this node runs from the moment lockd applies a renewal (or the registration),
 * which is after the client sent it; the client counts from the first time it sent the renewal
 * whose reply it got, and fences itself {@code selfFenceMarginMillis} before that count runs out.
 * Two rules keep that count close to lockd's when requests wait out elections:
 * <ul>
 *   <li>The lease is counted from a renewal only. A registration that waited for a leader for
 *       seconds has no lease left by the client's count, although lockd's started when it was
 *       applied; so {@link #connect} renews at once and completes when that renewal is answered.
 *       Until then the caller has no client, hence no locks, and nothing to fence.</li>
 *   <li>A renewal is sent every {@code renewEveryMillis} whether or not the previous one was
 *       answered; an unanswered one is dropped (its late reply is ignored, lockd may apply it or
 *       not, renewing twice is harmless). Otherwise a renewal that waited out an election was the
 *       only one in flight, and its answer, counted from its first sending, left almost no
 *       lease.</li>
 * </ul>
 *
 * <h2>Local state</h2>
 * {@code locks} has one entry per resource this node holds or asked for: the granted mode, and
 * the mode a pending lock or conversion waits for with its future. A lock the node already holds
 * in a sufficient mode needs no message at all: callers (gfs-fs glocks) check {@link #held}
 * first.
 *
 * <h2>Threads</h2>
 * All state belongs to one Netty event-loop thread; public methods hand their work to it and
 * return futures, which complete on that thread.
 */
public final class LockdClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LockdClient.class);
  private static final long TICK_MILLIS = 50;
  /** Least time between two moves to a named leader. */
  static final long FOLLOW_EVERY_MILLIS = 1_000;
  /** After the named leader could not be reached, the time until the next try. */
  static final long FOLLOW_RETRY_MILLIS = 5_000;

  private final LockdClientConfig config;
  private final LockdListener listener;
  private final long clientId;
  private static final NettyTransport TRANSPORT = NettyTransport.best();
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, TRANSPORT.ioHandlerFactory());
  private final EventLoop loop = group.next();
  private final Bootstrap bootstrap;

  private long nextSeq = 1;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final Map<ResourceName, Local> locks = new HashMap<>();
  private Channel channel;
  /** The client address of the peer {@link #channel} leads to. */
  private InetSocketAddress peer;
  /** The leader that {@link #channel}'s peer named, if that peer does not lead; else null. */
  private InetSocketAddress namedLeader;
  /** When the last move to a named leader began. */
  private long lastFollowNanos =
      System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(FOLLOW_EVERY_MILLIS);
  /** The leader last found unreachable, and until when it is not tried again. */
  private InetSocketAddress unreachableLeader;
  private long unreachableUntilNanos;
  private boolean connecting;
  private int nextPeer;
  /** The peer just left because it was silent: the next connection goes elsewhere. */
  private InetSocketAddress leftSilent;
  /** Seq of the resync that must be answered before frames from this peer count; 0 if none. */
  private long awaitingResync;
  private boolean registered;
  /** Completes {@link #connect} once the first renewal after registration is answered. */
  private CompletableFuture<Void> joining;
  /** A renewal was answered: {@link #leaseValidUntilNanos} counts, and the node may fence. */
  private boolean leased;
  private int slot = -1;
  private long leaseValidUntilNanos;
  private long lastRenewSentNanos;
  /** Seq of the renewal in flight, or 0. */
  private long renewSeq;
  /** Leave was sent: renewals stop, and a refused renewal is expected rather than alarming. */
  private boolean leaving;
  private String deadBecause;

  private enum Kind { REGISTER, LOCK, CONVERT, UNLOCK, RENEW, RESYNC, LEAVE, REPORT }

  private static final class Pending {
    final Kind kind;
    final Request request;
    final CompletableFuture<?> future;
    final long firstSentNanos = System.nanoTime();
    long sentNanos = System.nanoTime();

    Pending(Kind kind, Request request, CompletableFuture<?> future) {
      this.kind = kind;
      this.request = request;
      this.future = future;
    }
  }

  /** What this node holds or waits for on one resource. */
  private static final class Local {
    LockMode granted;
    LockMode awaiting;
    /** Seq of the request {@link #awaiting} belongs to. */
    long seq;
    /** lockd answered that request with QUEUED: a grant now comes as an event. */
    boolean queued;
    CompletableFuture<Grant> waiter;
  }

  private LockdClient(LockdClientConfig config, LockdListener listener) {
    this.config = config;
    this.listener = listener;
    long id = 0;
    SecureRandom random = new SecureRandom();
    while (id == 0) {
      id = random.nextLong();
    }
    this.clientId = id;
    // Nodes spread over the peers instead of all crowding the first one listed.
    this.nextPeer = random.nextInt(config.peers().size());
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(TRANSPORT.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.requestTimeoutMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            FrameCodecs.clientSide(ch.pipeline(), config.secret());
            ch.pipeline().addLast("client", new Inbound());
          }
        });
  }

  /**
   * Registers {@code config.nodeName()} with lockd; completes once it holds a lease, that is
   * once a renewal sent after the registration was answered.
   */
  public static CompletableFuture<LockdClient> connect(LockdClientConfig config,
      LockdListener listener) {
    LockdClient client = new LockdClient(config, listener);
    CompletableFuture<LockdClient> done = new CompletableFuture<>();
    client.loop.execute(() -> {
      client.loop.scheduleWithFixedDelay(client::tick, TICK_MILLIS, TICK_MILLIS,
          TimeUnit.MILLISECONDS);
      CompletableFuture<Void> registeredFuture = new CompletableFuture<>();
      client.send(Kind.REGISTER, client.request().setRegister(Register.newBuilder()
          .setNodeName(config.nodeName()).setLeaseMillis(config.leaseMillis())), registeredFuture);
      client.connectNext();
      registeredFuture.whenComplete((v, e) -> {
        if (e != null) {
          // On the event loop: end without waiting for anything that needs the loop.
          client.die("registration failed: " + e.getMessage(), false);
          client.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
          done.completeExceptionally(e);
        } else {
          done.complete(client);
        }
      });
    });
    return done;
  }

  public long clientId() {
    return clientId;
  }

  /** The journal slot lockd assigned to this node. */
  public int journalSlot() {
    return slot;
  }

  // ------------------------------------------------------------------ API

  /** Asks for {@code resource} in {@code mode}; with {@code noQueue}, fails unless granted now. */
  public CompletableFuture<Grant> lock(ResourceName resource, LockMode mode, boolean noQueue) {
    CompletableFuture<Grant> f = new CompletableFuture<>();
    onLoop(() -> {
      if (failIfDead(f)) {
        return;
      }
      if (locks.containsKey(resource)) {
        f.completeExceptionally(new LockdException(LockdException.Outcome.REFUSED,
            resource + " is already held or requested by this node; use convert"));
        return;
      }
      Local local = new Local();
      local.awaiting = mode;
      local.waiter = f;
      local.seq = nextSeq;
      locks.put(resource, local);
      send(Kind.LOCK, request().setLock(Lock.newBuilder()
          .setResource(WireTypes.resource(resource)).setMode(WireTypes.mode(mode))
          .setNoqueue(noQueue)), null);
    });
    return f;
  }

  /**
   * Changes a granted hold to {@code mode}. {@code valueBlock}, if not null, is published when
   * the hold is PW or EX (a writer converting down).
   */
  public CompletableFuture<Grant> convert(ResourceName resource, LockMode mode, boolean noQueue,
      byte[] valueBlock) {
    CompletableFuture<Grant> f = new CompletableFuture<>();
    onLoop(() -> {
      if (failIfDead(f)) {
        return;
      }
      Local local = locks.get(resource);
      if (local == null || local.granted == null || local.awaiting != null) {
        f.completeExceptionally(new LockdException(LockdException.Outcome.REFUSED,
            resource + " is not held, or a request on it is pending"));
        return;
      }
      local.awaiting = mode;
      local.waiter = f;
      local.seq = nextSeq;
      local.queued = false;
      Convert.Builder c = Convert.newBuilder().setResource(WireTypes.resource(resource))
          .setMode(WireTypes.mode(mode)).setNoqueue(noQueue);
      if (valueBlock != null) {
        c.setValueBlock(ByteString.copyFrom(valueBlock));
      }
      send(Kind.CONVERT, request().setConvert(c), null);
    });
    return f;
  }

  /**
   * Releases {@code resource}, or cancels a request still waiting on it (whose future then fails
   * with CANCELLED). {@code valueBlock}, if not null, is published when the hold was PW or EX.
   */
  public CompletableFuture<Void> unlock(ResourceName resource, byte[] valueBlock) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    onLoop(() -> {
      if (failIfDead(f)) {
        return;
      }
      Local local = locks.remove(resource);
      if (local == null) {
        f.completeExceptionally(new LockdException(LockdException.Outcome.REFUSED,
            resource + " is not held by this node"));
        return;
      }
      if (local.waiter != null && !local.waiter.isDone()) {
        local.waiter.completeExceptionally(new LockdException(LockdException.Outcome.CANCELLED,
            "request for " + resource + " cancelled by unlock"));
      }
      Unlock.Builder u = Unlock.newBuilder().setResource(WireTypes.resource(resource));
      if (valueBlock != null) {
        u.setValueBlock(ByteString.copyFrom(valueBlock));
      }
      send(Kind.UNLOCK, request().setUnlock(u), f);
    });
    return f;
  }

  /** Reports that the journal in {@code slot} (whose claim this node holds in EX) is replayed. */
  public CompletableFuture<Void> journalRecovered(int journalSlot) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    onLoop(() -> {
      if (!failIfDead(f)) {
        send(Kind.REPORT, request().setJournalRecovered(
            JournalRecovered.newBuilder().setSlot(journalSlot)), f);
      }
    });
    return f;
  }

  /** The client address of the peer this client talks to now, or null between peers. */
  public CompletableFuture<InetSocketAddress> connectedPeer() {
    CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
    onLoop(() -> f.complete(channel == null ? null : peer));
    return f;
  }

  /**
   * The leader that the peer this client talks to named last, while this client has not moved
   * there yet; null if none (this client talks to the leader, or knows of none).
   */
  CompletableFuture<InetSocketAddress> namedLeader() {
    CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
    onLoop(() -> f.complete(namedLeader));
    return f;
  }

  /** The mode this node holds on {@code resource} right now, or null. */
  public CompletableFuture<LockMode> held(ResourceName resource) {
    CompletableFuture<LockMode> f = new CompletableFuture<>();
    onLoop(() -> {
      Local local = locks.get(resource);
      f.complete(local == null ? null : local.granted);
    });
    return f;
  }

  /**
   * Leaves the cluster cleanly (releasing every lock) and closes the connection. Blocks for up
   * to two request timeouts: call it from a thread of the caller's, never from a listener.
   */
  @Override
  public void close() {
    CompletableFuture<Void> left = new CompletableFuture<>();
    onLoop(() -> {
      if (registered && deadBecause == null) {
        leaving = true;
        send(Kind.LEAVE, request().setLeave(Leave.getDefaultInstance()), left);
      } else {
        left.complete(null);
      }
    });
    try {
      left.get(config.requestTimeoutMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("node {} could not leave lockd cleanly ({}); its lease will lapse instead",
          config.nodeName(), e.toString());
    }
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    onLoop(() -> {
      die("client closed", false);
      stopped.complete(null);
    });
    stopped.join();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  // ------------------------------------------------------------------ requests

  private Request.Builder request() {
    return Request.newBuilder().setClientId(clientId).setSeq(nextSeq++);
  }

  private void send(Kind kind, Request.Builder builder, CompletableFuture<?> future) {
    Pending p = new Pending(kind, builder.build(), future);
    pending.put(p.request.getSeq(), p);
    if (channel != null && channel.isActive()) {
      write(p);
    }
  }

  private void write(Pending p) {
    p.sentNanos = System.nanoTime();
    long ackedBelow = pending.isEmpty() ? nextSeq : pending.firstKey();
    Request r = p.request.toBuilder().setAckedBelow(ackedBelow).build();
    channel.writeAndFlush(ClientFrame.newBuilder().setRequest(r).build(), channel.voidPromise());
  }

  private void onLoop(Runnable r) {
    if (loop.inEventLoop()) {
      r.run();
    } else {
      loop.execute(r);
    }
  }

  private boolean failIfDead(CompletableFuture<?> f) {
    if (deadBecause != null) {
      f.completeExceptionally(new LockdException(LockdException.Outcome.FENCED, deadBecause));
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ connection

  private void connectNext() {
    if (connecting || deadBecause != null) {
      return;
    }
    List<InetSocketAddress> peers = config.peers();
    InetSocketAddress next = peers.get(nextPeer++ % peers.size());
    // The turn may come round to the peer just left (the cursor does not move when following
    // the leader): trying it again would cost another request timeout of the lease.
    if (leftSilent != null && peers.size() > 1 && samePeer(next, leftSilent)) {
      next = peers.get(nextPeer++ % peers.size());
    }
    leftSilent = null;
    connect(next, false);
  }

  private static String reason(Throwable t) {
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  private static boolean samePeer(InetSocketAddress a, InetSocketAddress b) {
    return a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
  }

  /** Moves to the leader a follower named, unless a move is in progress or too recent. */
  private void followLeader() {
    long now = System.nanoTime();
    if (namedLeader == null || channel == null || connecting || deadBecause != null
        || now - lastFollowNanos < TimeUnit.MILLISECONDS.toNanos(FOLLOW_EVERY_MILLIS)
        || (unreachableLeader != null && samePeer(namedLeader, unreachableLeader)
            && now < unreachableUntilNanos)) {
      return;
    }
    lastFollowNanos = now;
    LOG.debug("node {}: lockd peer {} names {} as leader; moving there", config.nodeName(),
        HostPort.of(peer), HostPort.of(namedLeader));
    connect(namedLeader, true);
  }

  /**
   * Connects to {@code target} and, once connected, switches to it (closing the connection in
   * use, if any). With {@code following}, a failure keeps the current connection.
   */
  private void connect(InetSocketAddress target, boolean following) {
    connecting = true;
    InetSocketAddress resolved = new InetSocketAddress(target.getHostString(), target.getPort());
    ChannelFuture cf = bootstrap.connect(resolved);
    cf.addListener(done -> {
      connecting = false;
      if (!done.isSuccess()) {
        if (following) {
          // A new leader, named later, is tried at once; this one only after a while.
          unreachableLeader = target;
          unreachableUntilNanos = System.nanoTime()
              + TimeUnit.MILLISECONDS.toNanos(FOLLOW_RETRY_MILLIS);
          LOG.info("node {}: lockd leader {} unreachable ({}); staying on {}",
              config.nodeName(), HostPort.of(target), reason(done.cause()), HostPort.of(peer));
        } else {
          LOG.debug("lockd peer {} unreachable: {}", HostPort.of(target),
              reason(done.cause()));
        }
        return;
      }
      if (deadBecause != null) {
        cf.channel().close();
        return;
      }
      Channel old = channel;
      attach(cf.channel(), target);
      if (old != null) {
        // Its late frames are ignored (they come from a channel no longer in use), and what
        // its peer had not applied yet is recovered by the resync.
        old.close();
      }
    });
  }

  /** Makes {@code ch} the connection: hello, resync, then every pending request again. */
  private void attach(Channel ch, InetSocketAddress target) {
    channel = ch;
    peer = target;
    namedLeader = null;
    awaitingResync = 0;
    LOG.debug("node {} connected to lockd peer {}", config.nodeName(), HostPort.of(target));
    channel.write(ClientFrame.newBuilder()
        .setHello(Hello.newBuilder().setClientId(clientId)).build(), channel.voidPromise());
    pending.values().removeIf(p -> p.kind == Kind.RESYNC);
    if (registered) {
      long seq = nextSeq;
      send(Kind.RESYNC, request().setResync(Resync.getDefaultInstance()), null);
      awaitingResync = seq;
    }
    for (Pending p : new ArrayList<>(pending.values())) {
      if (p.kind != Kind.RESYNC) {
        write(p);
      }
    }
    channel.flush();
  }

  private void disconnected(Channel ch) {
    if (ch == channel) {
      channel = null;
      awaitingResync = 0;
    }
  }

  /** Periodic work: reconnect, notice a silent peer, renew the lease, fence if it is late. */
  private void tick() {
    if (deadBecause != null) {
      return;
    }
    long now = System.nanoTime();
    // The next tick could come after the fence time; so the tick before it fences, at most a
    // tick early, rather than up to a tick into the margin (seen: 8 ms late in a test).
    if (leased && now + TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS) > leaseValidUntilNanos
        - TimeUnit.MILLISECONDS.toNanos(config.selfFenceMarginMillis())) {
      die("lease of node " + config.nodeName() + " not renewed within "
          + (config.leaseMillis() - config.selfFenceMarginMillis()) + " ms; stop all I/O", true);
      return;
    }
    if (channel == null) {
      connectNext();
      return;
    }
    followLeader();
    for (Pending p : pending.values()) {
      if (now - p.sentNanos > TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis())) {
        LOG.info("node {}: lockd peer {} silent for {} ms on a request; trying the next peer",
            config.nodeName(), HostPort.of(peer), config.requestTimeoutMillis());
        Channel old = channel;
        leftSilent = peer;
        // Nor is it followed back to at once when another peer names it leader: a leader
        // that does not answer (not ready yet, or its entries stuck) would cost another
        // request timeout of the lease, while a follower passes requests on to it anyway.
        unreachableLeader = peer;
        unreachableUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(FOLLOW_RETRY_MILLIS);
        disconnected(old);
        old.close();
        connectNext();
        return;
      }
    }
    if (registered && !leaving
        && now - lastRenewSentNanos >= TimeUnit.MILLISECONDS.toNanos(config.renewEveryMillis())) {
      renew();
    }
  }

  /**
   * Sends a renewal in place of the one in flight, if any (see "Lease" above). The new one
   * inherits the old one's time on this connection, so that a peer silent on renewals is still
   * left after {@code requestTimeoutMillis}.
   */
  private void renew() {
    Pending stale = renewSeq == 0 ? null : pending.remove(renewSeq);
    lastRenewSentNanos = System.nanoTime();
    renewSeq = nextSeq;
    send(Kind.RENEW, request().setRenew(Renew.getDefaultInstance()), null);
    if (stale != null) {
      Pending fresh = pending.get(renewSeq);
      fresh.sentNanos = Math.min(fresh.sentNanos, stale.sentNanos);
    }
  }

  /** Ends this client: every pending future fails; with {@code fence}, the listener is told. */
  private void die(String why, boolean fence) {
    if (deadBecause != null) {
      return;
    }
    deadBecause = why;
    if (fence) {
      LOG.error("node {} fences itself: {}", config.nodeName(), why);
    }
    LockdException e = new LockdException(LockdException.Outcome.FENCED, why);
    for (Pending p : pending.values()) {
      if (p.future != null) {
        p.future.completeExceptionally(e);
      }
    }
    pending.clear();
    for (Local l : locks.values()) {
      if (l.waiter != null) {
        l.waiter.completeExceptionally(e);
      }
    }
    locks.clear();
    if (joining != null) {
      joining.completeExceptionally(e);
      joining = null;
    }
    if (channel != null) {
      channel.close();
      channel = null;
    }
    if (fence) {
      listener.selfFenced(why);
    }
  }

  // ------------------------------------------------------------------ inbound

  private void received(Channel ch, ServerFrame frame) {
    if (ch != channel || deadBecause != null) {
      return;
    }
    if (frame.hasGoodbye()) {
      LOG.warn("lockd peer {} closed the connection: {}", HostPort.of(ch.remoteAddress()),
          frame.getGoodbye());
      return;
    }
    if (frame.hasLeader()) {
      // Not in log order, and needs none: it only says where replies would come sooner.
      LeaderHint hint = frame.getLeader();
      if (hint.getHere()) {
        namedLeader = null;
        return;
      }
      namedLeader = InetSocketAddress.createUnresolved(hint.getClientHost(),
          hint.getClientPort());
      followLeader();
      return;
    }
    if (awaitingResync != 0) {
      if (frame.hasReply() && frame.getReply().getSeq() == awaitingResync) {
        awaitingResync = 0;
        pending.remove(frame.getReply().getSeq());
        resynced(frame.getReply());
      }
      return;
    }
    if (frame.hasReply()) {
      replied(frame.getReply());
    } else if (frame.hasEvent()) {
      event(frame.getEvent());
    }
  }

  private void replied(Reply reply) {
    Pending p = pending.remove(reply.getSeq());
    if (p == null) {
      return;
    }
    switch (p.kind) {
      case REGISTER -> {
        if (reply.getStatus() == Status.OK) {
          registered = true;
          slot = reply.getSlot();
          @SuppressWarnings("unchecked")
          CompletableFuture<Void> registeredFuture = (CompletableFuture<Void>) p.future;
          joining = registeredFuture;
          renew();
        } else {
          fail(p, reply);
        }
      }
      case RENEW -> {
        // Only the renewal in flight is still pending; a replaced one's reply ended above.
        renewSeq = 0;
        if (reply.getStatus() == Status.OK) {
          long left = TimeUnit.NANOSECONDS.toMillis(leaseValidUntilNanos - System.nanoTime());
          if (leased && left < config.leaseMillis() / 2) {
            LOG.debug("node {}: lease renewed with {} ms of it left", config.nodeName(), left);
          }
          leaseValidUntilNanos = Math.max(leaseValidUntilNanos,
              p.firstSentNanos + TimeUnit.MILLISECONDS.toNanos(config.leaseMillis()));
          leased = true;
          if (joining != null) {
            joining.complete(null);
            joining = null;
          }
        } else if (!leaving) {
          // Before the first lease the caller has no client yet: connect fails instead.
          die("lockd refused to renew the lease: " + reply.getError(), leased);
        }
      }
      case LOCK, CONVERT -> {
        ResourceName resource = WireTypes.resource(p.kind == Kind.LOCK
            ? p.request.getLock().getResource() : p.request.getConvert().getResource());
        Local local = locks.get(resource);
        if (local == null || local.awaiting == null || local.seq != reply.getSeq()) {
          return;
        }
        switch (reply.getStatus()) {
          case GRANTED -> granted(resource, local, WireTypes.mode(reply.getMode()),
              reply.getValueBlock().toByteArray(), !reply.getValueBlockInvalid());
          case QUEUED -> local.queued = true;
          default -> {
            if (p.kind == Kind.LOCK) {
              locks.remove(resource);
            }
            local.awaiting = null;
            local.waiter.completeExceptionally(exception(reply));
          }
        }
      }
      case UNLOCK, LEAVE, REPORT -> {
        if (reply.getStatus() == Status.OK) {
          complete(p, null);
        } else {
          fail(p, reply);
        }
      }
      case RESYNC -> { }
    }
  }

  private void event(Event event) {
    if (event.hasGranted()) {
      ResourceName resource = WireTypes.resource(event.getGranted().getResource());
      Local local = locks.get(resource);
      LockMode mode = WireTypes.mode(event.getGranted().getMode());
      if (local != null && local.queued && local.awaiting == mode) {
        granted(resource, local, mode, event.getGranted().getValueBlock().toByteArray(),
            !event.getGranted().getValueBlockInvalid());
      }
    } else if (event.hasBlocking()) {
      ResourceName resource = WireTypes.resource(event.getBlocking().getResource());
      if (locks.containsKey(resource)) {
        listener.blocking(resource, WireTypes.mode(event.getBlocking().getWanted()));
      }
    }
  }

  /** The state as of the resync entry: recover grants and blocking news lost with a peer. */
  private void resynced(Reply reply) {
    for (Reply lost : reply.getUnacknowledgedList()) {
      replied(lost);
    }
    for (Holding h : reply.getHoldingsList()) {
      ResourceName resource = WireTypes.resource(h.getResource());
      Local local = locks.get(resource);
      if (local == null) {
        continue;
      }
      if (local.awaiting != null && local.queued && h.hasGranted() && !h.hasRequested()
          && WireTypes.mode(h.getGranted()) == local.awaiting) {
        granted(resource, local, local.awaiting, h.getValueBlock().toByteArray(),
            !h.getValueBlockInvalid());
      }
      for (var wanted : h.getBlockedModesList()) {
        listener.blocking(resource, WireTypes.mode(wanted));
      }
    }
  }

  private static void granted(ResourceName resource, Local local, LockMode mode, byte[] lvb,
      boolean lvbValid) {
    local.granted = mode;
    local.awaiting = null;
    local.queued = false;
    local.waiter.complete(new Grant(resource, mode, lvb, lvbValid));
  }

  @SuppressWarnings("unchecked")
  private static void complete(Pending p, Object value) {
    if (p.future != null) {
      ((CompletableFuture<Object>) p.future).complete(value);
    }
  }

  private static void fail(Pending p, Reply reply) {
    if (p.future != null) {
      p.future.completeExceptionally(exception(reply));
    }
  }

  private static LockdException exception(Reply reply) {
    LockdException.Outcome outcome = switch (reply.getStatus()) {
      case NOT_GRANTED -> LockdException.Outcome.NOT_GRANTED;
      case DEADLOCK -> LockdException.Outcome.DEADLOCK;
      default -> LockdException.Outcome.REFUSED;
    };
    String text = reply.getError().isEmpty() ? outcome.name() : reply.getError();
    return new LockdException(outcome, text);
  }

  private final class Inbound extends SimpleChannelInboundHandler<ServerFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ServerFrame frame) {
      received(ctx.channel(), frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disconnected(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof AuthenticationException) {
        // Every peer of a cluster shares one secret: another peer would refuse just the same.
        LOG.error("node {}: {}", config.nodeName(), cause.getMessage());
        die(cause.getMessage(), false);
        return;
      }
      LOG.warn("lockd connection {} failed: {}", HostPort.of(ctx.channel().remoteAddress()),
          cause instanceof IOException ? reason(cause) : cause.toString());
      ctx.close();
    }
  }
}
