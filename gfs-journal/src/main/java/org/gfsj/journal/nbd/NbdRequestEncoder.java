package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Puts a request on the wire: the 28-byte header, then a write's data as a second buffer so that
 * the data is never copied into the header's buffer.
 */
@ChannelHandler.Sharable
final class NbdRequestEncoder extends MessageToMessageEncoder<NbdRequest> {

  NbdRequestEncoder() {
    super(NbdRequest.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, NbdRequest request, List<Object> out) {
    ByteBuf header = ctx.alloc().ioBuffer(NbdProtocol.REQUEST_HEADER_LENGTH);
    header.writeInt(NbdProtocol.REQUEST_MAGIC)
        .writeShort(request.flags)
        .writeShort(request.command.code())
        .writeLong(request.handle)
        .writeLong(request.offset)
        .writeInt(request.length);
    out.add(header);
    ByteBuf payload = request.payload();
    if (payload != null) {
      // The request keeps its own reference for a resend on a new connection.
      out.add(payload.retainedDuplicate());
    }
  }
}
