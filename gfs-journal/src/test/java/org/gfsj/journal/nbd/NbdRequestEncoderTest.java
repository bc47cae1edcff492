package org.gfsj.journal.nbd;

import static org.gfsj.journal.nbd.Bytes.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NbdRequestEncoderTest {
  private final EmbeddedChannel ch = new EmbeddedChannel(new NbdRequestEncoder());

  @Test
  void readIsAHeaderAlone() {
    NbdRequest read = NbdRequest.read(0x3000, ByteBuffer.allocate(8192), 0);
    read.handle = 0x3344;
    ch.writeOutbound(read);
    assertEquals("25609513" + "0000" + "0000" + "0000000000003344" + "0000000000003000"
        + "00002000", drain(ch.readOutbound()));
    assertNull(ch.readOutbound());
  }

  @Test
  void fuaWriteIsHeaderThenDataUncopied() {
    ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4});
    NbdRequest write = NbdRequest.write(512, data, true, 0);
    write.handle = 7;
    ch.writeOutbound(write);
    assertEquals("25609513" + "0001" + "0001" + "0000000000000007" + "0000000000000200"
        + "00000004", drain(ch.readOutbound()));
    ByteBuf sent = ch.readOutbound();
    assertEquals("01020304", drain(sent));
    assertEquals(1, data.refCnt(), "the request keeps its data for a resend");
    write.succeed();
    assertEquals(0, data.refCnt(), "and lets go of it when answered");
  }

  @Test
  void flushAndTrimCarryTheirTypes() {
    NbdRequest flush = NbdRequest.flush(0);
    flush.handle = 1;
    NbdRequest trim = NbdRequest.trim(4096, 8192, 0);
    trim.handle = 2;
    ch.writeOutbound(flush, trim);
    assertEquals("25609513" + "0000" + "0003" + "0000000000000001" + "0000000000000000"
        + "00000000", drain(ch.readOutbound()));
    assertEquals("25609513" + "0000" + "0004" + "0000000000000002" + "0000000000001000"
        + "00002000", drain(ch.readOutbound()));
  }
}
