package org.gfsj.lockd.raftrpc;

import static org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto.RaftNettyServerRequestCase.RAFTNETTYSERVERREQUEST_NOT_SET;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.thirdparty.io.netty.bootstrap.ServerBootstrap;
import org.apache.ratis.thirdparty.io.netty.channel.Channel;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelFuture;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelHandlerContext;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelInitializer;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelOption;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelPipeline;
import org.apache.ratis.thirdparty.io.netty.channel.EventLoopGroup;
import org.apache.ratis.thirdparty.io.netty.channel.SimpleChannelInboundHandler;
import org.apache.ratis.thirdparty.io.netty.channel.socket.SocketChannel;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.NotSslRecordException;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslHandler;
import org.apache.ratis.util.NettyUtils;
import org.gfsj.lockd.tls.Complaints;
import org.gfsj.lockd.tls.RaftIdentityCheck;
import org.gfsj.lockd.tls.RaftTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's Raft server over Netty, with mutual TLS when the cluster has a CA, and its
 * connections to the other peers. Ratis 3.3.0's own Netty server cannot take an SSL handler, and
 * its gRPC server, which can, cost twice the CPU per contended handoff (docs/benchmarks.md).
 * Requests are handled on the Netty thread that read them, as Ratis's Netty server does.
 */
final class RaftServerEndpoint
    extends RaftServerRpcWithProxy<RaftConnection, RaftConnections> {
  private static final Logger LOG = LoggerFactory.getLogger(RaftServerEndpoint.class);

  private final RpcType type;
  private final RaftTls tls;
  private final RaftServerDispatch dispatch;
  private final RaftIdentityCheck identity = new RaftIdentityCheck();
  private final Complaints complaints = new Complaints(LOG);
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final InetSocketAddress bindAddress;
  private final long requestTimeoutMillis;
  private volatile Channel channel;

  RaftServerEndpoint(RpcType type, RaftServer server, RaftTls tls) {
    super(server::getId, id -> new RaftConnections(id + "-peers", server.getProperties(), tls,
        connectMillis(server)));
    this.type = type;
    this.tls = tls;
    this.dispatch = new RaftServerDispatch(server);
    boolean epoll = NettyConfigKeys.Server.useEpoll(server.getProperties());
    this.bossGroup = NettyUtils.newEventLoopGroup(type.name() + "-boss", 1, epoll);
    this.workerGroup = NettyUtils.newEventLoopGroup(type.name() + "-worker", 0, epoll);
    String host = NettyConfigKeys.Server.host(server.getProperties());
    int port = NettyConfigKeys.Server.port(server.getProperties());
    this.bindAddress = host == null || host.isEmpty()
        ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    this.requestTimeoutMillis = RaftServerConfigKeys.Rpc.requestTimeout(server.getProperties())
        .toLong(TimeUnit.MILLISECONDS);
  }

  private static int connectMillis(RaftServer server) {
    return (int) RaftServerConfigKeys.Rpc.requestTimeout(server.getProperties())
        .toLong(TimeUnit.MILLISECONDS);
  }

  @Override
  public RpcType getRpcType() {
    return type;
  }

  @Override
  protected void startImpl() throws IOException {
    ChannelFuture bound = new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(NettyUtils.getServerChannelClass(bossGroup))
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (tls != null) {
              p.addLast(tls.serverHandler(ch.alloc()));
            }
            RaftEnvelope.frame(p, RaftNettyServerRequestProto.getDefaultInstance());
            p.addLast(new RequestHandler());
          }
        })
        .bind(bindAddress)
        .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      int port = bindAddress.getPort();
      throw new IOException("cannot listen for Raft on port " + port + " ("
          + (cause.getMessage() != null ? cause.getMessage() : cause.toString())
          + "); stop what holds it (ss -ltnp 'sport = :" + port + "') or give this peer"
          + " another port in the --peers of every peer and tool", cause);
    }
    channel = bound.channel();
  }

  @Override
  public void closeImpl() throws IOException {
    Channel c = channel;
    if (c != null) {
      c.close().awaitUninterruptibly();
    }
    bossGroup.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
    workerGroup.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
    try {
      bossGroup.awaitTermination(1, TimeUnit.SECONDS);
      workerGroup.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    super.closeImpl();
  }

  @Override
  public InetSocketAddress getInetSocketAddress() {
    Channel c = channel;
    return c == null ? bindAddress : (InetSocketAddress) c.localAddress();
  }

  @Override
  public RequestVoteReplyProto requestVote(RequestVoteRequestProto request)
      throws IOException {
    return send(request.getServerRequest(),
        RaftNettyServerRequestProto.newBuilder().setRequestVoteRequest(request).build())
        .getRequestVoteReply();
  }

  @Override
  public AppendEntriesReplyProto appendEntries(AppendEntriesRequestProto request)
      throws IOException {
    return send(request.getServerRequest(),
        RaftNettyServerRequestProto.newBuilder().setAppendEntriesRequest(request).build())
        .getAppendEntriesReply();
  }

  @Override
  public InstallSnapshotReplyProto installSnapshot(InstallSnapshotRequestProto request)
      throws IOException {
    return send(request.getServerRequest(),
        RaftNettyServerRequestProto.newBuilder().setInstallSnapshotRequest(request).build())
        .getInstallSnapshotReply();
  }

  @Override
  public StartLeaderElectionReplyProto startLeaderElection(
      StartLeaderElectionRequestProto request) throws IOException {
    return send(request.getServerRequest(),
        RaftNettyServerRequestProto.newBuilder().setStartLeaderElectionRequest(request).build())
        .getStartLeaderElectionReply();
  }

  /** Sends a peer request and waits for its reply, as Ratis's log appenders and elections do. */
  private RaftNettyServerReplyProto send(RaftRpcRequestProto header,
      RaftNettyServerRequestProto request) throws IOException {
    RaftPeerId to = RaftPeerId.valueOf(header.getReplyId());
    try {
      return getProxies().getProxy(to)
          .call(header, request, requestTimeoutMillis + header.getTimeoutMs());
    } catch (IOException e) {
      getProxies().handleException(to, e, false);
      throw e;
    }
  }

  /** One per connection: checks who speaks (with TLS), then answers on this Netty thread. */
  private final class RequestHandler
      extends SimpleChannelInboundHandler<RaftNettyServerRequestProto> {
    /** The name in the other end's certificate, read once: a connection keeps its session. */
    private String certificateName;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, RaftNettyServerRequestProto q) {
      if (q.getRaftNettyServerRequestCase() == RAFTNETTYSERVERREQUEST_NOT_SET) {
        InetSocketAddress from = (InetSocketAddress) ctx.channel().remoteAddress();
        complaints.error(from.getHostString() + " empty", getId() + ": closed a Raft "
            + "connection from " + from + ": a request without a payload");
        ctx.close();
        return;
      }
      if (tls != null && RaftEnvelope.fromPeer(q)) {
        RaftRpcRequestProto header = RaftEnvelope.header(q);
        if (certificateName == null) {
          certificateName = RaftIdentityCheck.certificateName(
              ctx.pipeline().get(SslHandler.class).engine().getSession());
        }
        String refused = identity.refusal(certificateName, header.getRequestorId().toStringUtf8(),
            q.getRaftNettyServerRequestCase().name(), ctx.channel().remoteAddress());
        if (refused != null) {
          ctx.writeAndFlush(RaftEnvelope.failure(header, new IOException(refused)));
          return;
        }
      }
      ctx.writeAndFlush(dispatch.handle(q));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A broken connection, a refused handshake or a frame that does not parse: the stream
      // cannot go on in order.
      ctx.close();
      boolean handshake = cause instanceof NotSslRecordException
          || cause instanceof SSLException || cause.getCause() instanceof SSLException;
      InetSocketAddress from = (InetSocketAddress) ctx.channel().remoteAddress();
      if (!handshake && cause instanceof IOException) {
        LOG.debug("{}: Raft connection from {} broke: {}", getId(), from, cause.toString());
        return;
      }
      complaints.error(from.getHostString() + (handshake ? " tls" : " frame"), getId()
          + ": closed a Raft connection from " + from + ": " + cause.getMessage() + (handshake
              ? "; it showed no certificate of this cluster's CA (gfs-tool keygen makes them)"
              : "; it does not speak lockd's Raft protocol"));
    }
  }
}
