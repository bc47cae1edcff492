package org.gfsj.journal.nbd;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.gfsj.journal.device.BlockDeviceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the request each reply answers, found by handle: copies a read's data to its buffer, or
 * fails it with the server's error. Replies are released after this handler whatever happens.
 */
final class NbdReplyHandler extends SimpleChannelInboundHandler<NbdReply> {
  private static final Logger log = LoggerFactory.getLogger(NbdReplyHandler.class);

  private final String device;
  private final int blockSize;
  private final InFlightRequests inFlight;

  NbdReplyHandler(String device, int blockSize, InFlightRequests inFlight) {
    super(NbdReply.class);
    this.device = device;
    this.blockSize = blockSize;
    this.inFlight = inFlight;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, NbdReply reply) {
    NbdRequest request = inFlight.remove(reply.handle());
    if (request == null || request.abandoned) {
      return; // a reply after the request's timeout: its caller already has the error
    }
    if (reply.error() == 0) {
      request.succeed(reply.content());
    } else {
      request.fail(new BlockDeviceException(device, describe(request, blockSize)
          + " failed on the server with " + NbdProtocol.errorName(reply.error()) + ": "
          + NbdProtocol.errorHint(reply.error())));
    }
  }

  /** "WRITE of 8 blocks at block 1234", the way an operator thinks of a request. */
  static String describe(NbdRequest r, int blockSize) {
    if (r.command == NbdCommand.FLUSH || r.command == NbdCommand.DISC) {
      return r.command.name();
    }
    long blocks = r.length / blockSize;
    return r.command.name() + ((r.flags & NbdProtocol.CMD_FLAG_FUA) != 0 ? " (FUA)" : "")
        + " of " + blocks + (blocks == 1 ? " block" : " blocks") + " at block "
        + r.offset / blockSize;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The stream cannot be trusted past a decoding error or an I/O error: drop the connection;
    // the client reconnects and sends the unanswered requests again.
    log.warn("{}: dropping the connection: {}", device, cause.toString());
    ctx.close();
  }
}
