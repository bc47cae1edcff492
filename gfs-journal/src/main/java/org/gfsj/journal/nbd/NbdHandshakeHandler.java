package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.gfsj.journal.device.BlockDeviceException;

/**
 * Negotiates one export, first in the pipeline, then removes itself.
 *
 * <p>The server speaks first: NBDMAGIC, IHAVEOPT and its handshake flags. The client answers with
 * its flags (fixed newstyle, and no zeroes when offered) and NBD_OPT_GO naming the export and
 * asking for no extra information; the server answers with NBD_REP_INFO (NBD_INFO_EXPORT: size and
 * transmission flags) and NBD_REP_ACK, or an error reply that says why the export is refused. A
 * server that does not know NBD_OPT_GO answers NBD_REP_ERR_UNSUP and gets NBD_OPT_EXPORT_NAME
 * instead, whose only error report is closing the connection. A server without fixed newstyle
 * gets NBD_OPT_EXPORT_NAME at once, the only option it knows.
 *
 * <p>When the handshake ends, bytes already received after it pass on to the reply decoder as this
 * handler leaves the pipeline, and {@code result} completes with the export.
 */
final class NbdHandshakeHandler extends ByteToMessageDecoder {
  private static final int HELLO_LENGTH = 18;
  private static final int EXPORT_NAME_REPLY_LENGTH = 10;
  private static final int ZEROES_LENGTH = 124;

  private enum State { HELLO, GO_REPLIES, EXPORT_NAME_REPLY, DONE }

  private final String device;
  private final String exportName;
  private final CompletableFuture<NbdExport> result;
  private State state = State.HELLO;
  private boolean noZeroes;
  private NbdExport export;

  NbdHandshakeHandler(String device, String exportName, CompletableFuture<NbdExport> result) {
    this.device = device;
    this.exportName = exportName;
    this.result = result;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case HELLO -> readHello(ctx, in);
      case GO_REPLIES -> readGoReply(ctx, in);
      case EXPORT_NAME_REPLY -> readExportNameReply(ctx, in);
      case DONE -> { }
    }
  }

  private void readHello(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < HELLO_LENGTH) {
      return;
    }
    if (in.readLong() != NbdProtocol.INIT_PASSWD) {
      fail(ctx, "the server did not greet with NBDMAGIC: this is not an NBD server; check host"
          + " and port");
      return;
    }
    long magic = in.readLong();
    if (magic == NbdProtocol.OLDSTYLE_MAGIC) {
      fail(ctx, "the server speaks only the oldstyle handshake, which has no export names;"
          + " use nbd-server 3.10 or later");
      return;
    }
    if (magic != NbdProtocol.IHAVEOPT) {
      fail(ctx, "the server sent an unknown handshake magic 0x" + Long.toHexString(magic)
          + "; check that this is an NBD server");
      return;
    }
    int serverFlags = in.readUnsignedShort();
    boolean fixed = (serverFlags & NbdProtocol.FLAG_FIXED_NEWSTYLE) != 0;
    noZeroes = (serverFlags & NbdProtocol.FLAG_NO_ZEROES) != 0;
    int clientFlags = (fixed ? NbdProtocol.FLAG_FIXED_NEWSTYLE : 0)
        | (noZeroes ? NbdProtocol.FLAG_NO_ZEROES : 0);
    ctx.write(ctx.alloc().buffer(4).writeInt(clientFlags));
    if (fixed) {
      sendGo(ctx);
    } else {
      sendExportName(ctx);
    }
  }

  private void sendGo(ChannelHandlerContext ctx) {
    byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
    ByteBuf option = ctx.alloc().buffer(16 + 4 + name.length + 2);
    option.writeLong(NbdProtocol.IHAVEOPT).writeInt(NbdProtocol.OPT_GO)
        .writeInt(4 + name.length + 2)
        .writeInt(name.length).writeBytes(name)
        .writeShort(0); // no information requests: NBD_INFO_EXPORT always comes
    ctx.writeAndFlush(option);
    state = State.GO_REPLIES;
  }

  private void sendExportName(ChannelHandlerContext ctx) {
    byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
    ByteBuf option = ctx.alloc().buffer(16 + name.length);
    option.writeLong(NbdProtocol.IHAVEOPT).writeInt(NbdProtocol.OPT_EXPORT_NAME)
        .writeInt(name.length).writeBytes(name);
    ctx.writeAndFlush(option);
    state = State.EXPORT_NAME_REPLY;
  }

  private void readGoReply(ChannelHandlerContext ctx, ByteBuf in) {
    while (state == State.GO_REPLIES) {
      if (in.readableBytes() < NbdProtocol.OPTION_REPLY_HEADER_LENGTH) {
        return;
      }
      long length = in.getUnsignedInt(in.readerIndex() + 16);
      if (length > 1 << 20) {
        fail(ctx, "the server sent an option reply of " + length + " bytes; the stream is out of"
            + " step");
        return;
      }
      if (in.readableBytes() < NbdProtocol.OPTION_REPLY_HEADER_LENGTH + length) {
        return;
      }
      long magic = in.readLong();
      int option = in.readInt();
      int type = in.readInt();
      in.skipBytes(4);
      ByteBuf data = in.readSlice((int) length);
      if (magic != NbdProtocol.OPTION_REPLY_MAGIC || option != NbdProtocol.OPT_GO) {
        fail(ctx, "the server sent a malformed reply to NBD_OPT_GO (magic 0x"
            + Long.toHexString(magic) + ", option " + option + ")");
        return;
      }
      onGoReply(ctx, type, data);
    }
  }

  private void onGoReply(ChannelHandlerContext ctx, int type, ByteBuf data) {
    if (type == NbdProtocol.REP_INFO) {
      if (data.readableBytes() >= 12 && data.readUnsignedShort() == NbdProtocol.INFO_EXPORT) {
        export = new NbdExport(data.readLong(), data.readUnsignedShort());
      }
    } else if (type == NbdProtocol.REP_ACK) {
      if (export == null) {
        fail(ctx, "the server accepted export '" + exportName + "' without telling its size");
      } else {
        finish(ctx, export);
      }
    } else if (type == NbdProtocol.REP_ERR_UNSUP) {
      sendExportName(ctx);
    } else if ((type & NbdProtocol.REP_ERR_BIT) != 0) {
      String said = data.toString(StandardCharsets.UTF_8);
      fail(ctx, refusal(type) + (said.isEmpty() ? "" : " (server says: " + said + ")"));
    }
    // Other reply types are information this client did not ask for: ignored, as the protocol
    // allows.
  }

  private String refusal(int type) {
    String export = "export '" + exportName + "'";
    return switch (type) {
      case NbdProtocol.REP_ERR_UNKNOWN -> "the server has no " + export + "; export names are the"
          + " section names in nbd-server's config: check the name after the port in the address";
      case NbdProtocol.REP_ERR_POLICY -> "the server refuses " + export + " to this client by"
          + " policy; check the export's authfile and maxconnections";
      case NbdProtocol.REP_ERR_TLS_REQD -> "the server requires TLS for " + export + ", which GFSJ"
          + " does not speak; allow plain connections on the server";
      case NbdProtocol.REP_ERR_SHUTDOWN -> "the server is shutting down; start it again";
      case NbdProtocol.REP_ERR_INVALID, NbdProtocol.REP_ERR_PLATFORM,
          NbdProtocol.REP_ERR_BLOCK_SIZE_REQD -> "the server refused NBD_OPT_GO for " + export
          + " (reply type 0x" + Integer.toHexString(type) + "); check the server's log";
      default -> "the server refused " + export + " with error reply 0x"
          + Integer.toHexString(type) + "; check the server's log";
    };
  }

  private void readExportNameReply(ChannelHandlerContext ctx, ByteBuf in) {
    int length = EXPORT_NAME_REPLY_LENGTH + (noZeroes ? 0 : ZEROES_LENGTH);
    if (in.readableBytes() < length) {
      return;
    }
    NbdExport e = new NbdExport(in.readLong(), in.readUnsignedShort());
    in.skipBytes(length - EXPORT_NAME_REPLY_LENGTH);
    finish(ctx, e);
  }

  private void finish(ChannelHandlerContext ctx, NbdExport e) {
    state = State.DONE;
    ctx.pipeline().remove(this);
    result.complete(e);
  }

  private void fail(ChannelHandlerContext ctx, String message) {
    state = State.DONE;
    result.completeExceptionally(new BlockDeviceException(device, message));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (state == State.EXPORT_NAME_REPLY) {
      fail(ctx, "the server closed the connection after NBD_OPT_EXPORT_NAME, its only way to"
          + " refuse export '" + exportName + "'; check the export name against the section names"
          + " in nbd-server's config");
    } else if (state != State.DONE) {
      fail(ctx, "the server closed the connection during the handshake; check the server's log"
          + " (allow list, maxconnections)");
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (state != State.DONE) {
      state = State.DONE;
      result.completeExceptionally(new BlockDeviceException(device, "handshake failed: "
          + cause.getMessage(), cause));
      ctx.close();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }
}
