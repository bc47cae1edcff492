package org.gfsj.journal.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;

/** Hex dumps as the protocol document and tcpdump show bytes, for handler tests. */
final class Bytes {
  private Bytes() {}

  /** The bytes of {@code hex}, spaces ignored. */
  static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  /** The readable bytes of {@code buf} in hex, and releases it. */
  static String drain(ByteBuf buf) {
    try {
      return ByteBufUtil.hexDump(buf);
    } finally {
      buf.release();
    }
  }
}
