package org.gfsj.journal.nbd;

import static org.gfsj.journal.nbd.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Replies framed as nbd-server 3.24 sends them: a 16-byte header, then a read's data. */
class NbdReplyDecoderTest {
  private final Map<Long, Integer> lengths = new HashMap<>();
  private final EmbeddedChannel ch = new EmbeddedChannel(
      new NbdReplyDecoder(h -> lengths.getOrDefault(h, -1)));

  @AfterEach
  void noLeftovers() {
    ch.finishAndReleaseAll();
  }

  @Test
  void writeReplyHasNoData() {
    lengths.put(0x1122L, 0);
    ch.writeInbound(hex("67446698 00000000 0000000000001122"));
    NbdReply r = ch.readInbound();
    assertEquals(0x1122L, r.handle());
    assertEquals(0, r.error());
    assertEquals(0, r.content().readableBytes());
    r.release();
  }

  @Test
  void readReplyWaitsForAllItsDataAcrossFragments() {
    lengths.put(0x3344L, 512);
    byte[] data = new byte[512];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    ByteBuf wire = Unpooled.wrappedBuffer(hex("67446698 00000000 0000000000003344"),
        Unpooled.wrappedBuffer(data));
    ch.writeInbound(wire.readRetainedSlice(10));
    ch.writeInbound(wire.readRetainedSlice(300));
    assertNull(ch.readInbound(), "data not complete yet");
    ch.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
    wire.release();
    NbdReply r = ch.readInbound();
    assertEquals(0x3344L, r.handle());
    assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(data), r.content()));
    r.release();
    assertNull(ch.readInbound());
  }

  @Test
  void failedReadCarriesNoDataSoTheNextReplyFollowsItsHeader() {
    lengths.put(1L, 4096);
    lengths.put(2L, 0);
    ch.writeInbound(hex("67446698 00000005 0000000000000001" + "67446698 00000000 0000000000000002"));
    NbdReply failed = ch.readInbound();
    assertEquals(5, failed.error());
    assertEquals(0, failed.content().readableBytes());
    NbdReply next = ch.readInbound();
    assertEquals(2L, next.handle());
    failed.release();
    next.release();
  }

  @Test
  void severalRepliesInOneReadComeOutInOrder() {
    lengths.put(1L, 4);
    lengths.put(2L, 0);
    ch.writeInbound(hex("67446698 00000000 0000000000000001 deadbeef"
        + "67446698 00000000 0000000000000002"));
    NbdReply a = ch.readInbound();
    NbdReply b = ch.readInbound();
    assertEquals("deadbeef", ByteBufUtil.hexDump(a.content()));
    assertEquals(2L, b.handle());
    a.release();
    b.release();
  }

  @Test
  void replyToAHandleNotInFlightIsAnError() {
    DecoderException e = assertThrows(DecoderException.class,
        () -> ch.writeInbound(hex("67446698 00000000 0000000000000009")));
    assertTrue(e.getMessage().contains("not in flight"), e.getMessage());
  }

  @Test
  void wrongMagicIsAnError() {
    lengths.put(1L, 0);
    assertThrows(DecoderException.class,
        () -> ch.writeInbound(hex("67446699 00000000 0000000000000001")));
  }

  @Test
  void structuredReplyIsNamed() {
    DecoderException e = assertThrows(DecoderException.class,
        () -> ch.writeInbound(hex("668e33ef 0001 0000 0000000000000001 00000000")));
    assertTrue(e.getMessage().contains("structured reply"), e.getMessage());
  }
}
