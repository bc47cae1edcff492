package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** A simple reply: the handle it answers, the error (0 for success) and a read's data. */
final class NbdReply extends DefaultByteBufHolder {
  private final long handle;
  private final int error;

  NbdReply(long handle, int error, ByteBuf data) {
    super(data);
    this.handle = handle;
    this.error = error;
  }

  long handle() {
    return handle;
  }

  int error() {
    return error;
  }
}
