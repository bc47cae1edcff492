package org.gfsj.lockd.server;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.LeaderHint;
import org.gfsj.lockd.proto.PeerEndpoint;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.ResourceId;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.Status;
import org.gfsj.lockd.state.LogApplier;
import org.gfsj.lockd.wire.AuthenticationException;
import org.gfsj.lockd.wire.ClusterSecret;
import org.gfsj.lockd.wire.FrameAuthenticator;
import org.gfsj.lockd.wire.FrameCodecs;
import org.gfsj.lockd.wire.NettyTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's door for clients: accepts connections, feeds their requests to the {@link Batcher},
 * and sends each connected client the replies and events that this peer's replica produces when
 * it applies the log. Replies therefore reach a client in log order together with its events;
 * a client that moves to another peer asks for a resync first (see {@code LockdClient}).
 *
 * <p>A follower answers its clients only once the commit index has reached it, a round trip
 * later than the leader could; so a peer that does not lead tells each client where the leader
 * is (after hello, and to all its clients when the leader changes), and clients move there. The
 * leader's client address comes from the log: each leader stamps its own into the entries it
 * accepts, so no peer guesses another's port.
 */
public final class ClientEndpoint implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientEndpoint.class);
  /** How often a peer looks for a new leader to tell its clients about. */
  private static final long LEADER_WATCH_MILLIS = 100;

  private final Replica replica;
  private final Batcher batcher;
  private static final NettyTransport TRANSPORT = NettyTransport.best();
  /**
   * One thread for all client connections and the batcher: a request read is batched without
   * a thread hop, and an applied entry's replies and events to all clients leave in one task.
   */
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, TRANSPORT.ioHandlerFactory());
  private final EventLoop loop = group.next();
  private final Map<Long, Channel> clients = new ConcurrentHashMap<>();
  /**
   * Per client, the resources on which this peer told it that another node waits (a blocking
   * event): its release of one of them is urgent ({@link Batcher}).
   */
  private final Map<Long, Set<ResourceId>> awaited = new ConcurrentHashMap<>();
  private final Channel listener;
  /**
   * The hint last sent to all of this peer's clients, null when some heard another since;
   * the event loop's.
   */
  private ServerFrame lastHint;
  /** When this peer, leading, last asked for an entry to carry its client address. */
  private long lastStampNanos;

  /** {@code secret}, if not null, is demanded of every client ({@link FrameAuthenticator}). */
  public ClientEndpoint(Replica replica, InetSocketAddress bind, ClusterSecret secret)
      throws InterruptedException {
    this.replica = replica;
    this.batcher = new Batcher(replica, loop);
    replica.stateMachine().setOutput(this::deliver);
    this.listener = new ServerBootstrap()
        .group(group)
        .channel(TRANSPORT.serverChannel())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            FrameCodecs.serverSide(ch.pipeline(), secret);
            ch.pipeline().addLast("session", new Session());
          }
        })
        .bind(bind).sync().channel();
    replica.stateMachine().setClientEndpoint(bind.getHostString(), port());
    group.scheduleWithFixedDelay(this::watchLeader, LEADER_WATCH_MILLIS, LEADER_WATCH_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private void watchLeader() {
    try {
      RaftPeerId leader = replica.division().getInfo().getLeaderId();
      if (leader == null) {
        return;
      }
      ServerFrame hint;
      if (leader.equals(replica.id())) {
        stampIfUnknown();
        hint = here();
      } else {
        hint = leaderHint();
      }
      if (hint == null || hint.equals(lastHint)) {
        return;
      }
      lastHint = hint;
      clients.values().forEach(ch -> ch.writeAndFlush(hint, ch.voidPromise()));
    } catch (RuntimeException e) {
      // A peer starting or stopping; the next round looks again.
      LOG.debug("cannot tell clients about the leader: {}", e.toString());
    }
  }

  /**
   * A new leader's client address reaches the followers with the first entry it accepts; on an
   * idle cluster that could take a while, so it makes one itself (at most once a second).
   */
  private void stampIfUnknown() {
    String self = replica.id().toString();
    PeerEndpoint known = replica.stateMachine().read(applier -> applier.clientEndpoint(self));
    long now = System.nanoTime();
    if (replica.stateMachine().clientEndpoint().equals(known)
        || now - lastStampNanos < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    lastStampNanos = now;
    batcher.stamp();
  }

  /**
   * Where this peer's clients should go instead: the leader's client address as the leader
   * stamped it into the log. Null if this peer leads, knows no leader, or has not yet applied an
   * entry from it.
   */
  private ServerFrame leaderHint() {
    RaftPeerId leader = replica.division().getInfo().getLeaderId();
    if (leader == null || leader.equals(replica.id())) {
      return null;
    }
    PeerEndpoint endpoint =
        replica.stateMachine().read(applier -> applier.clientEndpoint(leader.toString()));
    if (endpoint == null) {
      return null;
    }
    return ServerFrame.newBuilder().setLeader(LeaderHint.newBuilder()
        .setLeaderId(leader.toString())
        .setClientHost(endpoint.getClientHost())
        .setClientPort(endpoint.getClientPort())).build();
  }

  /**
   * This peer leads: its clients may still remember the leader it named while it followed,
   * gone now (usually the peer whose death made them come here), and would keep trying it.
   */
  private ServerFrame here() {
    PeerEndpoint self = replica.stateMachine().clientEndpoint();
    return ServerFrame.newBuilder().setLeader(LeaderHint.newBuilder()
        .setLeaderId(replica.id().toString())
        .setClientHost(self.getClientHost())
        .setClientPort(self.getClientPort())
        .setHere(true)).build();
  }

  /** A release (unlock, or a conversion) of a resource another node is known to wait for. */
  private boolean urgent(Request request) {
    ResourceId resource = switch (request.getOpCase()) {
      case UNLOCK -> request.getUnlock().getResource();
      case CONVERT -> request.getConvert().getResource();
      default -> null;
    };
    Set<ResourceId> waitedFor = resource == null ? null : awaited.get(request.getClientId());
    return waitedFor != null && waitedFor.remove(resource);
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /**
   * Sends applied frames to the clients connected here; the others' are someone else's. All of
   * an entry's frames go to the event loop as one task, one flush per connection, and the
   * batcher learns there, before any client can answer, how many clients can go on now
   * ({@link Batcher#expect}).
   */
  private void deliver(List<ServerFrame> frames) {
    Map<Channel, List<ServerFrame>> byChannel = new LinkedHashMap<>();
    Set<Long> unblocked = new HashSet<>();
    for (ServerFrame f : frames) {
      long client = f.hasReply() ? f.getReply().getClientId() : f.getEvent().getClientId();
      Channel ch = clients.get(client);
      if (ch == null) {
        continue;
      }
      if (f.hasEvent() && f.getEvent().hasBlocking()) {
        awaited.computeIfAbsent(client, c -> ConcurrentHashMap.newKeySet())
            .add(f.getEvent().getBlocking().getResource());
      }
      // A queued request leaves its client waiting for a grant; anything else lets it go on.
      if (f.hasReply() ? f.getReply().getStatus() != Status.QUEUED
          : f.getEvent().hasGranted()) {
        unblocked.add(client);
      }
      byChannel.computeIfAbsent(ch, c -> new ArrayList<>()).add(f);
    }
    if (byChannel.isEmpty()) {
      return;
    }
    int expected = unblocked.size();
    try {
      loop.execute(() -> {
        if (expected > 0) {
          batcher.expect(expected);
        }
        byChannel.forEach((ch, out) -> {
          for (ServerFrame f : out) {
            ch.write(f, ch.voidPromise());
          }
          ch.flush();
        });
      });
    } catch (RejectedExecutionException closing) {
      // This endpoint is closing and its clients are gone; the log applies on without them.
      // (Throwing here would stop Ratis's state machine updater, and with it this peer.)
    }
  }

  private PeerStatus status() {
    RaftServer.Division d = replica.division();
    PeerStatus.Builder s = PeerStatus.newBuilder()
        .setPeerId(replica.id().toString())
        .setRole(d.getInfo().getCurrentRole().name())
        .setTerm(d.getInfo().getCurrentTerm())
        .setAppliedIndex(Math.max(0, replica.stateMachine().getLastAppliedTermIndex().getIndex()));
    if (d.getInfo().getLeaderId() != null) {
      s.setLeaderId(d.getInfo().getLeaderId().toString());
    }
    var snapshot = replica.stateMachine().getLatestSnapshot();
    if (snapshot != null) {
      s.setSnapshotIndex(snapshot.getIndex());
    }
    s.setStateDigest(ByteString.copyFrom(replica.stateMachine().read(LogApplier::digest)));
    d.getGroup().getPeers().forEach(p -> s.addPeers(p.getId() + "=" + p.getAddress()));
    return s.build();
  }

  private Dump dump() {
    return replica.stateMachine().read(applier -> applier.dump().toBuilder()
        .setAppliedIndex(replica.stateMachine().getLastAppliedTermIndex().getIndex())
        .build());
  }

  /** One connection: which client it serves, and its frames. */
  private final class Session extends SimpleChannelInboundHandler<ClientFrame> {
    private long clientId;
    /** Said once: the writes still queued on a broken connection fail one by one. */
    private boolean failed;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientFrame frame) {
      switch (frame.getKindCase()) {
        case HELLO -> {
          long id = frame.getHello().getClientId();
          if (clientId != 0 || id == 0) {
            goodbye(ctx, "hello must come once, first, with a non-zero client id");
            return;
          }
          clientId = id;
          Channel previous = clients.put(id, ctx.channel());
          if (previous != null && previous != ctx.channel()) {
            previous.close();
          }
          ServerFrame hint = leaderHint();
          if (hint != null) {
            ctx.writeAndFlush(hint, ctx.voidPromise());
            // Not all clients have heard the same now: the next watch round tells all again.
            lastHint = null;
          }
        }
        case REQUEST -> {
          if (clientId == 0 || frame.getRequest().getClientId() != clientId) {
            goodbye(ctx, "request for client " + Long.toHexString(frame.getRequest().getClientId())
                + " on a connection that said hello as " + Long.toHexString(clientId));
            return;
          }
          batcher.submit(frame.getRequest(), urgent(frame.getRequest()));
        }
        case STATUS_QUERY -> ctx.writeAndFlush(ServerFrame.newBuilder().setStatus(status()).build());
        case DUMP_QUERY -> ctx.writeAndFlush(ServerFrame.newBuilder().setDump(dump()).build());
        default -> goodbye(ctx, "unknown frame; is the client newer than this lockd?");
      }
    }

    private void goodbye(ChannelHandlerContext ctx, String why) {
      LOG.warn("closing client connection {}: {}", ctx.channel().remoteAddress(), why);
      ctx.writeAndFlush(ServerFrame.newBuilder().setGoodbye(why).build())
          .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (clientId != 0 && clients.remove(clientId, ctx.channel())) {
        awaited.remove(clientId);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof AuthenticationException) {
        LOG.warn("refused client {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        return;
      }
      if (!failed) {
        failed = true;
        if (cause instanceof IOException) {
          // A node that stopped or died: its lease or its return says the rest.
          LOG.info("client connection {} lost: {}", ctx.channel().remoteAddress(),
              cause.getMessage());
        } else {
          LOG.warn("client connection {} failed: {}", ctx.channel().remoteAddress(),
              cause.toString());
        }
      }
      ctx.close();
    }
  }

  @Override
  public void close() {
    replica.stateMachine().setOutput(frames -> { });
    listener.close().syncUninterruptibly();
    batcher.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
