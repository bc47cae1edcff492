package org.gfsj.journal.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads nbd-server's transaction log: every request header (28 bytes) and reply header (16 bytes)
 * the server saw and sent, without data. It shows what went over the wire: flags, commands.
 */
final class TransactionLog {
  /** One request as the server received it. */
  record Request(int flags, int type, long handle, long offset, long length) {
    boolean fua() {
      return (flags & NbdProtocol.CMD_FLAG_FUA) != 0;
    }
  }

  private TransactionLog() {}

  static List<Request> requests(Path log) throws IOException {
    List<Request> out = new ArrayList<>();
    if (!Files.exists(log)) {
      return out;
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(log));
    while (b.remaining() >= NbdProtocol.SIMPLE_REPLY_LENGTH) {
      int magic = b.getInt(b.position());
      if (magic == NbdProtocol.REQUEST_MAGIC && b.remaining() >= 28) {
        b.getInt();
        int flags = Short.toUnsignedInt(b.getShort());
        int type = Short.toUnsignedInt(b.getShort());
        out.add(new Request(flags, type, b.getLong(), b.getLong(), Integer.toUnsignedLong(b.getInt())));
      } else if (magic == NbdProtocol.SIMPLE_REPLY_MAGIC) {
        b.position(b.position() + NbdProtocol.SIMPLE_REPLY_LENGTH);
      } else {
        break; // a record being written right now
      }
    }
    return out;
  }
}
