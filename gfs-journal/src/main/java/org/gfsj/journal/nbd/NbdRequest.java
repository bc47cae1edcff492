package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One request from submission to its reply, its timeout or the client's end.
 *
 * <p>A write holds its data until it is answered, so that it can be sent again on a new connection;
 * a read holds the buffer its data goes to. Everything but the future is touched only on the
 * client's event loop once submitted.
 */
final class NbdRequest {
  final NbdCommand command;
  final int flags;
  final long offset;
  final int length;
  final long deadlineNanos;
  final CompletableFuture<Void> future = new CompletableFuture<>();
  /** The data of a write; released when the request ends. */
  private ByteBuf payload;
  /** Where a read's data goes: a view of the caller's buffer covering exactly {@code length}. */
  private final ByteBuffer destination;
  /** Set when the request enters the in-flight table; unique among requests in flight. */
  long handle;
  /** The connection the request was last written to, or 0 while it waits for one. */
  long sentOn;
  /** Timed out on a live connection: its caller has the error, its late reply is dropped. */
  boolean abandoned;

  private NbdRequest(NbdCommand command, int flags, long offset, int length, ByteBuf payload,
      ByteBuffer destination, long deadlineNanos) {
    this.command = command;
    this.flags = flags;
    this.offset = offset;
    this.length = length;
    this.payload = payload;
    this.destination = destination;
    this.deadlineNanos = deadlineNanos;
  }

  static NbdRequest read(long offset, ByteBuffer destination, long deadlineNanos) {
    return new NbdRequest(NbdCommand.READ, 0, offset, destination.remaining(), null, destination,
        deadlineNanos);
  }

  static NbdRequest write(long offset, ByteBuf data, boolean fua, long deadlineNanos) {
    return new NbdRequest(NbdCommand.WRITE, fua ? NbdProtocol.CMD_FLAG_FUA : 0, offset,
        data.readableBytes(), data, null, deadlineNanos);
  }

  static NbdRequest flush(long deadlineNanos) {
    return new NbdRequest(NbdCommand.FLUSH, 0, 0, 0, null, null, deadlineNanos);
  }

  static NbdRequest trim(long offset, int length, long deadlineNanos) {
    return new NbdRequest(NbdCommand.TRIM, 0, offset, length, null, null, deadlineNanos);
  }

  static NbdRequest disconnect() {
    return new NbdRequest(NbdCommand.DISC, 0, 0, 0, null, null, Long.MAX_VALUE);
  }

  /** The write data to put on the wire, or null for other commands. */
  ByteBuf payload() {
    return payload;
  }

  /** How many payload bytes the reply to this request carries when it succeeds. */
  int replyPayloadLength() {
    return command == NbdCommand.READ ? length : 0;
  }

  /** Copies a read's data to the caller's buffer and completes the request. */
  void succeed(ByteBuf data) {
    if (destination != null) {
      data.getBytes(data.readerIndex(), destination.duplicate());
    }
    succeed();
  }

  void succeed() {
    release();
    future.complete(null);
  }

  void fail(Throwable cause) {
    release();
    future.completeExceptionally(cause);
  }

  private void release() {
    if (payload != null) {
      payload.release();
      payload = null;
    }
  }
}
