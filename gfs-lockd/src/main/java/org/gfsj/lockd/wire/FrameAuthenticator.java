package org.gfsj.lockd.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates every frame of a lockd client connection with an HMAC keyed by the cluster
 * secret, between the length framing and the protobuf codec.
 *
 * <p>Frames on the wire start with a kind byte:
 * <ul>
 *   <li>{@code W}, welcome, sent by the server first and unauthenticated: a flag byte (1 when the
 *       server demands the secret) and a 16-byte random nonce;
 *   <li>{@code D}, data: the protobuf bytes, then (with a secret) HMAC-SHA256 over the direction
 *       byte, this direction's 8-byte frame counter and the bytes, keyed by
 *       HMAC-SHA256(secret, "gfsj-lockd session" + nonce);
 *   <li>{@code R}, refusal, sent by the server before it closes: UTF-8 text saying why.
 * </ul>
 * The nonce makes the key differ per connection and the counter fixes each frame's place in it,
 * so frames cannot be replayed, reordered or moved to another connection. A client writes
 * nothing until the welcome arrived. Both ends refuse a mismatch in either direction (a secret on
 * one side only), with a message that tells the operator which side lacks it.
 */
public final class FrameAuthenticator extends ChannelDuplexHandler {
  private static final byte WELCOME = 'W';
  private static final byte DATA = 'D';
  private static final byte REFUSAL = 'R';
  private static final int NONCE_BYTES = 16;
  private static final int MAC_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final boolean server;
  private final ClusterSecret secret;
  private Mac mac;
  private boolean ready;
  private long sent;
  private long received;
  private final ArrayDeque<Object[]> held = new ArrayDeque<>();

  private FrameAuthenticator(boolean server, ClusterSecret secret) {
    this.server = server;
    this.secret = secret;
  }

  /** For a peer's client port; {@code secret} null means clients need none. */
  public static FrameAuthenticator server(ClusterSecret secret) {
    return new FrameAuthenticator(true, secret);
  }

  /** For clients and tools; {@code secret} must be given when the peers have one. */
  public static FrameAuthenticator client(ClusterSecret secret) {
    return new FrameAuthenticator(false, secret);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (server) {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      keyFor(nonce);
      ByteBuf welcome = ctx.alloc().buffer(2 + NONCE_BYTES)
          .writeByte(WELCOME).writeByte(secret != null ? 1 : 0).writeBytes(nonce);
      ctx.writeAndFlush(welcome);
      ready = true;
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      if (frame.readableBytes() < 1) {
        throw new AuthenticationException("empty frame");
      }
      byte kind = frame.readByte();
      if (!server && !ready) {
        welcome(ctx, kind, frame);
        return;
      }
      if (!server && kind == REFUSAL) {
        throw new AuthenticationException("lockd peer " + HostPort.of(ctx.channel().remoteAddress())
            + " refused this connection: " + frame.toString(StandardCharsets.UTF_8));
      }
      if (kind != DATA) {
        throw new AuthenticationException("unexpected frame kind " + kind);
      }
      if (mac == null) {
        ctx.fireChannelRead(frame.retain());
        return;
      }
      if (frame.readableBytes() < MAC_BYTES) {
        throw new AuthenticationException("frame too short to carry an HMAC");
      }
      ByteBuf payload = frame.readSlice(frame.readableBytes() - MAC_BYTES);
      byte[] expected = sign(server ? 'C' : 'S', received++, payload);
      byte[] actual = new byte[MAC_BYTES];
      frame.readBytes(actual);
      if (!MessageDigest.isEqual(expected, actual)) {
        throw new AuthenticationException(server
            ? "bad HMAC: the client's cluster secret differs from this peer's, or it has none;"
                + " give it the cluster's secret file"
            : "bad HMAC from lockd peer " + HostPort.of(ctx.channel().remoteAddress())
                + ": its cluster secret differs from this node's");
      }
      ctx.fireChannelRead(payload.retain());
    } catch (AuthenticationException e) {
      refuse(ctx, e);
    } finally {
      frame.release();
    }
  }

  private void welcome(ChannelHandlerContext ctx, byte kind, ByteBuf frame) {
    if (kind != WELCOME || frame.readableBytes() != 1 + NONCE_BYTES) {
      throw new AuthenticationException("lockd peer " + HostPort.of(ctx.channel().remoteAddress())
          + " did not greet as a lockd peer does; is this the right port?");
    }
    boolean required = frame.readByte() == 1;
    if (required && secret == null) {
      throw new AuthenticationException("lockd peer " + HostPort.of(ctx.channel().remoteAddress())
          + " requires the cluster secret; give this node the cluster's secret file");
    }
    if (!required && secret != null) {
      throw new AuthenticationException("lockd peer " + HostPort.of(ctx.channel().remoteAddress())
          + " does not authenticate, but this node has a cluster secret; start the peers with"
          + " --secret-file");
    }
    byte[] nonce = new byte[NONCE_BYTES];
    frame.readBytes(nonce);
    keyFor(nonce);
    ready = true;
    while (!held.isEmpty()) {
      Object[] w = held.poll();
      ctx.write(wrap(ctx, (ByteBuf) w[0]), (ChannelPromise) w[1]);
    }
    ctx.flush();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!ready) {
      held.add(new Object[] {msg, promise});
      return;
    }
    ctx.write(wrap(ctx, (ByteBuf) msg), promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (ready) {
      ctx.flush();
    }
  }

  private ByteBuf wrap(ChannelHandlerContext ctx, ByteBuf payload) {
    ByteBuf head = ctx.alloc().buffer(1).writeByte(DATA);
    if (mac == null) {
      return Unpooled.wrappedBuffer(head, payload);
    }
    byte[] signature = sign(server ? 'S' : 'C', sent++, payload);
    return Unpooled.wrappedBuffer(head, payload, Unpooled.wrappedBuffer(signature));
  }

  private void refuse(ChannelHandlerContext ctx, AuthenticationException e) {
    if (server) {
      ByteBuf text = ctx.alloc().buffer().writeByte(REFUSAL)
          .writeBytes(e.getMessage().getBytes(StandardCharsets.UTF_8));
      ctx.writeAndFlush(text).addListener(ChannelFutureListener.CLOSE);
      ctx.fireExceptionCaught(e);
    } else {
      ctx.fireExceptionCaught(e);
      ctx.close();
    }
  }

  private void keyFor(byte[] nonce) {
    if (secret == null) {
      return;
    }
    try {
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
      derive.update("gfsj-lockd session".getBytes(StandardCharsets.US_ASCII));
      byte[] session = derive.doFinal(nonce);
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(session, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM lacks HmacSHA256", e);
    }
  }

  private byte[] sign(char direction, long counter, ByteBuf payload) {
    mac.update((byte) direction);
    for (int shift = 56; shift >= 0; shift -= 8) {
      mac.update((byte) (counter >>> shift));
    }
    mac.update(payload.nioBuffer());
    return mac.doFinal();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    while (!held.isEmpty()) {
      Object[] w = held.poll();
      ((ByteBuf) w[0]).release();
      ((ChannelPromise) w[1]).tryFailure(new AuthenticationException("connection closed"));
    }
  }
}
