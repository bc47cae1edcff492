package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Cuts the server's byte stream into replies: the 16-byte simple reply header, then, for a
 * successful read, as many bytes of data as the read asked for.
 *
 * <p>A simple reply does not say whether data follows: only the request does, so the decoder asks
 * the in-flight table how long the payload of the handle is. A reply to a handle the table does not
 * know, or with a wrong magic, means the stream is out of step, and nothing after it can be trusted:
 * the decoder throws and the connection is dropped (the protocol's "hard disconnect").
 *
 * <p>The cumulation is composite so that a large read's data, arriving in many socket reads, is
 * not copied again and again while it gathers.
 */
final class NbdReplyDecoder extends ByteToMessageDecoder {

  /** The payload length the reply to a handle carries on success. */
  interface PayloadLengths {
    /** The length, or -1 when no request with this handle is in flight. */
    int payloadLength(long handle);
  }

  private final PayloadLengths lengths;

  NbdReplyDecoder(PayloadLengths lengths) {
    this.lengths = lengths;
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= NbdProtocol.SIMPLE_REPLY_LENGTH) {
      int start = in.readerIndex();
      int magic = in.getInt(start);
      if (magic != NbdProtocol.SIMPLE_REPLY_MAGIC) {
        throw outOfStep(in, magic == NbdProtocol.STRUCTURED_REPLY_MAGIC
            ? "the server sent a structured reply, which this client never asked for"
            : "reply magic 0x" + Integer.toHexString(magic) + " is not NBD's simple reply magic");
      }
      int error = in.getInt(start + 4);
      long handle = in.getLong(start + 8);
      int length = lengths.payloadLength(handle);
      if (length < 0) {
        throw outOfStep(in, "the server answered handle 0x" + Long.toHexString(handle)
            + ", which is not in flight");
      }
      if (error != 0) {
        length = 0; // a failed read carries no data
      }
      if (in.readableBytes() < NbdProtocol.SIMPLE_REPLY_LENGTH + length) {
        return;
      }
      in.skipBytes(NbdProtocol.SIMPLE_REPLY_LENGTH);
      ByteBuf data = length == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(length);
      out.add(new NbdReply(handle, error, data));
    }
  }

  /** Nothing after a bad reply can be framed: drops what is buffered and reports the error. */
  private static CorruptedFrameException outOfStep(ByteBuf in, String message) {
    in.skipBytes(in.readableBytes());
    return new CorruptedFrameException(message);
  }
}
