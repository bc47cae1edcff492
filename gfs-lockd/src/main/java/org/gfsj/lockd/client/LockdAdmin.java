package org.gfsj.lockd.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.DumpQuery;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.StatusQuery;
import org.gfsj.lockd.wire.AuthenticationException;
import org.gfsj.lockd.wire.ClusterSecret;
import org.gfsj.lockd.wire.FrameCodecs;
import org.gfsj.lockd.wire.HostPort;
import org.gfsj.lockd.wire.NettyTransport;

/**
 * One-shot questions to a single lockd peer, for tools and tests: its Raft status, or its view
 * of the lock space. Each call opens a connection, asks, and closes it.
 */
public final class LockdAdmin implements AutoCloseable {
  private static final NettyTransport TRANSPORT = NettyTransport.best();
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, TRANSPORT.ioHandlerFactory());
  private final long timeoutMillis;
  private final ClusterSecret secret;

  /** {@code secret} is the cluster secret when the peers demand one, else null. */
  public LockdAdmin(long timeoutMillis, ClusterSecret secret) {
    this.timeoutMillis = timeoutMillis;
    this.secret = secret;
  }

  public PeerStatus status(InetSocketAddress peer) throws IOException {
    return ask(peer, ClientFrame.newBuilder().setStatusQuery(StatusQuery.getDefaultInstance())
        .build()).getStatus();
  }

  public Dump dump(InetSocketAddress peer) throws IOException {
    return ask(peer, ClientFrame.newBuilder().setDumpQuery(DumpQuery.getDefaultInstance())
        .build()).getDump();
  }

  private ServerFrame ask(InetSocketAddress peer, ClientFrame question) throws IOException {
    CompletableFuture<ServerFrame> answer = new CompletableFuture<>();
    Channel ch = null;
    try {
      ch = new Bootstrap().group(group).channel(TRANSPORT.socketChannel())
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              FrameCodecs.clientSide(c.pipeline(), secret);
              c.pipeline().addLast(new SimpleChannelInboundHandler<ServerFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ServerFrame f) {
                  answer.complete(f);
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                  answer.completeExceptionally(new IOException("connection closed"));
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                  answer.completeExceptionally(cause);
                  ctx.close();
                }
              });
            }
          })
          .connect(new InetSocketAddress(peer.getHostString(), peer.getPort()))
          .syncUninterruptibly().channel();
      ch.writeAndFlush(question);
      ServerFrame f = answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
      if (f.hasGoodbye()) {
        throw new IOException("lockd peer " + HostPort.of(peer) + " refused: "
            + f.getGoodbye());
      }
      return f;
    } catch (ExecutionException e) {
      String why = e.getCause().getMessage();
      // The authenticator's refusals name the peer themselves.
      boolean named = e.getCause() instanceof AuthenticationException
          && why.startsWith("lockd peer ");
      throw new IOException(named ? why : "lockd peer " + HostPort.of(peer) + ": " + why, e);
    } catch (TimeoutException e) {
      // What a Raft port or another service does with a lockd question: nothing.
      throw new IOException("lockd peer " + HostPort.of(peer) + " did not answer within "
          + timeoutMillis + " ms; is that its client port? (the Raft port + 1, unless --peers "
          + "gives ID=HOST:RAFTPORT/CLIENTPORT)", e);
    } catch (RuntimeException e) {
      throw new IOException("lockd peer " + HostPort.of(peer) + " did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted asking lockd peer " + HostPort.of(peer), e);
    } finally {
      if (ch != null) {
        ch.close();
      }
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
