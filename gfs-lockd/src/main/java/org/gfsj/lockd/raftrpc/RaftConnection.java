package org.gfsj.lockd.raftrpc;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.thirdparty.io.netty.bootstrap.Bootstrap;
import org.apache.ratis.thirdparty.io.netty.channel.Channel;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelFuture;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelHandlerContext;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelInitializer;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelOption;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelPipeline;
import org.apache.ratis.thirdparty.io.netty.channel.EventLoopGroup;
import org.apache.ratis.thirdparty.io.netty.channel.SimpleChannelInboundHandler;
import org.apache.ratis.thirdparty.io.netty.channel.socket.SocketChannel;
import org.apache.ratis.thirdparty.io.netty.util.concurrent.ScheduledFuture;
import org.apache.ratis.util.IOUtils;
import org.apache.ratis.util.NetUtils;
import org.apache.ratis.util.NettyUtils;
import org.apache.ratis.util.ProtoUtils;
import org.gfsj.lockd.tls.RaftTls;

/**
 * One connection from this end to a Raft server (a peer, from a peer or a Raft client): requests
 * go out in Ratis's Netty framing, and replies come back matched by call id. A request not
 * answered in time fails with a {@link TimeoutIOException}; a connection that breaks fails every
 * request still open with an {@link AlreadyClosedException}, and Ratis then opens a new one.
 */
final class RaftConnection implements Closeable {
  private final String peer;
  private final Channel channel;
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();

  /** A request sent and not answered yet; {@code timeout} is null when its sender waits. */
  private record Call(CompletableFuture<RaftNettyServerReplyProto> reply,
      ScheduledFuture<?> timeout) {
    void cancelTimeout() {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  private RaftConnection(String peer, Channel channel) {
    this.peer = peer;
    this.channel = channel;
  }

  /**
   * Connects to {@code peer} (TLS when {@code tls} is not null), waiting at most
   * {@code connectMillis}.
   */
  static RaftConnection open(RaftPeer peer, EventLoopGroup group, RaftTls tls,
      int connectMillis) throws IOException {
    InetSocketAddress address = NetUtils.createSocketAddr(peer.getAddress());
    RaftConnection[] self = new RaftConnection[1];
    ChannelFuture connected = new Bootstrap()
        .group(group)
        .channel(NettyUtils.getSocketChannelClass(group))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (tls != null) {
              p.addLast(tls.clientHandler(ch.alloc(), address));
            }
            RaftEnvelope.frame(p, RaftNettyServerReplyProto.getDefaultInstance());
            p.addLast(new ReplyHandler(() -> self[0]));
          }
        })
        .connect(address);
    connected.awaitUninterruptibly();
    if (!connected.isSuccess()) {
      Throwable cause = connected.cause();
      throw cause instanceof IOException io ? io
          : new IOException("cannot connect to Raft peer " + peer + ": " + cause, cause);
    }
    self[0] = new RaftConnection(peer.toString(), connected.channel());
    return self[0];
  }

  /**
   * Sends {@code request}, whose Raft header is {@code header}, and completes with its reply;
   * exceptionally after {@code timeoutMillis}, or with the server's exception.
   */
  CompletableFuture<RaftNettyServerReplyProto> send(RaftRpcRequestProto header,
      RaftNettyServerRequestProto request, long timeoutMillis) {
    long callId = header.getCallId();
    ScheduledFuture<?> timeout = channel.eventLoop().schedule(
        () -> fail(callId, timedOut(callId, timeoutMillis)), timeoutMillis, TimeUnit.MILLISECONDS);
    return offer(callId, request, timeout);
  }

  /**
   * Sends {@code request} and waits for its reply, at most {@code timeoutMillis}: for Ratis's
   * log appenders and elections, which wait anyway (and so need no timer task per request).
   */
  RaftNettyServerReplyProto call(RaftRpcRequestProto header, RaftNettyServerRequestProto request,
      long timeoutMillis) throws IOException {
    long callId = header.getCallId();
    try {
      return offer(callId, request, null).get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(callId, new InterruptedIOException("interrupted"));
      throw IOUtils.toInterruptedIOException("interrupted waiting for " + peer, e);
    } catch (ExecutionException e) {
      throw IOUtils.asIOException(e.getCause());
    } catch (TimeoutException e) {
      TimeoutIOException timedOut = timedOut(callId, timeoutMillis);
      fail(callId, timedOut);
      throw timedOut;
    }
  }

  private TimeoutIOException timedOut(long callId, long timeoutMillis) {
    return new TimeoutIOException("Raft request #" + callId + " to " + peer
        + " not answered in " + timeoutMillis + " ms");
  }

  private CompletableFuture<RaftNettyServerReplyProto> offer(long callId,
      RaftNettyServerRequestProto request, ScheduledFuture<?> timeout) {
    CompletableFuture<RaftNettyServerReplyProto> reply = new CompletableFuture<>();
    Call previous = calls.put(callId, new Call(reply, timeout));
    if (previous != null) {
      fail(previous, new IOException("Raft request #" + callId + " to " + peer + " sent again"));
    }
    channel.writeAndFlush(request).addListener(written -> {
      if (!written.isSuccess()) {
        fail(callId, new AlreadyClosedException("cannot send to Raft peer " + peer + ": "
            + written.cause()));
        channel.close();
      }
    });
    return reply;
  }

  private void fail(long callId, IOException e) {
    Call call = calls.remove(callId);
    if (call != null) {
      fail(call, e);
    }
  }

  private static void fail(Call call, IOException e) {
    call.cancelTimeout();
    call.reply.completeExceptionally(e);
  }

  private void answer(RaftNettyServerReplyProto reply) {
    Call call = calls.remove(RaftEnvelope.callId(reply));
    if (call == null) {
      return; // timed out already
    }
    call.cancelTimeout();
    if (reply.hasExceptionReply()) {
      Object thrown = ProtoUtils.toObject(reply.getExceptionReply().getException());
      call.reply.completeExceptionally(thrown instanceof IOException io ? io
          : new IOException("Raft peer " + peer + " answered " + thrown));
    } else {
      call.reply.complete(reply);
    }
  }

  private void failAll(IOException e) {
    for (Long callId : calls.keySet()) {
      fail(callId, e);
    }
  }

  @Override
  public void close() {
    // Not waited for: Ratis may reset a connection from a callback on this very event loop.
    channel.close();
    failAll(new AlreadyClosedException("connection to Raft peer " + peer + " closed"));
  }

  /** Hands replies to the connection, which exists once the channel is connected. */
  private static final class ReplyHandler
      extends SimpleChannelInboundHandler<RaftNettyServerReplyProto> {
    private final java.util.function.Supplier<RaftConnection> connection;

    ReplyHandler(java.util.function.Supplier<RaftConnection> connection) {
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, RaftNettyServerReplyProto reply) {
      RaftConnection c = connection.get();
      if (c != null) {
        c.answer(reply);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      RaftConnection c = connection.get();
      if (c != null) {
        c.failAll(new AlreadyClosedException("connection to Raft peer " + c.peer + " lost"));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A broken stream or a refused handshake: nothing more can be read in order from it.
      ctx.close();
    }
  }
}
