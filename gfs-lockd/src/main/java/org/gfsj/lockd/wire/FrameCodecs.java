package org.gfsj.lockd.wire;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.ServerFrame;

/**
 * The lockd TCP framing: a 4-byte big-endian length, then one frame: a kind byte, the protobuf
 * bytes and, with a cluster secret, an HMAC ({@link FrameAuthenticator}). Frames over the
 * limit close the connection (the decoder throws), so a confused or hostile peer cannot make
 * lockd buffer without bound.
 */
public final class FrameCodecs {
  /** A client frame carries one request; a megabyte is far beyond any honest one. */
  public static final int MAX_CLIENT_FRAME = 1 << 20;
  /** A server frame can be a whole lock dump. */
  public static final int MAX_SERVER_FRAME = 256 << 20;

  private FrameCodecs() {}

  /**
   * For a peer's client port: reads ClientFrames, writes ServerFrames; with a secret, every
   * client must prove it holds it ({@link FrameAuthenticator}).
   */
  public static void serverSide(ChannelPipeline p, ClusterSecret secret) {
    p.addLast("frame", new LengthFieldBasedFrameDecoder(MAX_CLIENT_FRAME, 0, 4, 0, 4));
    p.addLast("length", new LengthFieldPrepender(4));
    p.addLast("auth", FrameAuthenticator.server(secret));
    p.addLast("decode", new ProtobufDecoder(ClientFrame.getDefaultInstance()));
    p.addLast("encode", new ProtobufEncoder());
  }

  /** For clients and tools: reads ServerFrames, writes ClientFrames. */
  public static void clientSide(ChannelPipeline p, ClusterSecret secret) {
    p.addLast("frame", new LengthFieldBasedFrameDecoder(MAX_SERVER_FRAME, 0, 4, 0, 4));
    p.addLast("length", new LengthFieldPrepender(4));
    p.addLast("auth", FrameAuthenticator.client(secret));
    p.addLast("decode", new ProtobufDecoder(ServerFrame.getDefaultInstance()));
    p.addLast("encode", new ProtobufEncoder());
  }
}
