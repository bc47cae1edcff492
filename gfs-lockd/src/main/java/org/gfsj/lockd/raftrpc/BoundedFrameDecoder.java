package org.gfsj.lockd.raftrpc;

import java.util.List;
import org.apache.ratis.thirdparty.io.netty.buffer.ByteBuf;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelHandlerContext;
import org.apache.ratis.thirdparty.io.netty.handler.codec.ByteToMessageDecoder;
import org.apache.ratis.thirdparty.io.netty.handler.codec.CorruptedFrameException;
import org.apache.ratis.thirdparty.io.netty.handler.codec.TooLongFrameException;

/**
 * Splits a Raft connection's bytes into frames, each a varint32 length and that many bytes of
 * protobuf (Ratis's Netty framing), refusing a length over {@link #maxBytes}. Netty's own
 * varint32 frame decoder takes any length, so a stranger on a plain Raft port could make a peer
 * buffer up to 2 GiB with five bytes.
 */
final class BoundedFrameDecoder extends ByteToMessageDecoder {
  private final int maxBytes;

  BoundedFrameDecoder(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int length = 0;
    for (int shift = 0; ; shift += 7) {
      if (!in.isReadable()) {
        in.readerIndex(start);
        return;
      }
      if (shift == 35) {
        throw new CorruptedFrameException("Raft frame length is not a varint32");
      }
      byte b = in.readByte();
      length |= (b & 0x7f) << shift;
      if (b >= 0) {
        break;
      }
    }
    if (length < 0 || length > maxBytes) {
      throw new TooLongFrameException("Raft frame of " + Integer.toUnsignedString(length)
          + " bytes, more than the " + maxBytes + " allowed");
    }
    if (in.readableBytes() < length) {
      in.readerIndex(start);
      return;
    }
    out.add(in.readRetainedSlice(length));
  }
}
