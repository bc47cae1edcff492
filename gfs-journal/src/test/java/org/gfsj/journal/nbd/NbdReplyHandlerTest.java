package org.gfsj.journal.nbd;

import static org.gfsj.journal.nbd.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Replies end the requests they answer, found by handle, in whatever order they come. */
class NbdReplyHandlerTest {
  private static final int BLOCK = 4;
  private final InFlightRequests inFlight = new InFlightRequests();
  private final EmbeddedChannel ch = new EmbeddedChannel(new NbdReplyDecoder(inFlight),
      new NbdReplyHandler("nbd://test:1/disk", BLOCK, inFlight));

  private static String reply(long handle, int error, String data) {
    return String.format("67446698 %08x %016x %s", error, handle, data);
  }

  @Test
  void outOfOrderReadRepliesFillTheirOwnBuffers() throws Exception {
    ByteBuffer[] dst = new ByteBuffer[3];
    NbdRequest[] reads = new NbdRequest[3];
    for (int i = 0; i < 3; i++) {
      dst[i] = ByteBuffer.allocate(BLOCK);
      reads[i] = NbdRequest.read(i * BLOCK, dst[i], Long.MAX_VALUE);
      inFlight.add(reads[i]);
    }
    ch.writeInbound(hex(reply(reads[2].handle, 0, "22222222")
        + reply(reads[0].handle, 0, "00000000") + reply(reads[1].handle, 0, "11111111")));
    for (int i = 0; i < 3; i++) {
      reads[i].future.get();
      String expected = ("" + i + i).repeat(4);
      assertEquals(expected, HexFormat.of().formatHex(dst[i].array()), "read " + i);
    }
    assertTrue(inFlight.isEmpty());
  }

  @Test
  void serverErrorFailsTheRequestNamingCommandBlockAndErrno() {
    NbdRequest write = NbdRequest.write(3 * BLOCK, Unpooled.wrappedBuffer(new byte[BLOCK]), false,
        Long.MAX_VALUE);
    NbdRequest other = NbdRequest.flush(Long.MAX_VALUE);
    inFlight.add(write);
    inFlight.add(other);
    ch.writeInbound(hex(reply(write.handle, 1, "")));
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> write.future.get());
    String m = e.getCause().getMessage();
    assertTrue(m.startsWith("nbd://test:1/disk: WRITE of 1 block at block 3"), m);
    assertTrue(m.contains("EPERM") && m.contains("read-only"), m);
    assertFalse(other.future.isDone(), "only the answered request ends");
  }

  @Test
  void lateReplyToAnAbandonedRequestIsDroppedButItsDataSkipped() throws Exception {
    ByteBuffer late = ByteBuffer.allocate(BLOCK);
    NbdRequest abandoned = NbdRequest.read(0, late, Long.MAX_VALUE);
    NbdRequest next = NbdRequest.read(BLOCK, ByteBuffer.allocate(BLOCK), Long.MAX_VALUE);
    inFlight.add(abandoned);
    inFlight.add(next);
    abandoned.abandoned = true;
    ch.writeInbound(hex(reply(abandoned.handle, 0, "aaaaaaaa") + reply(next.handle, 0, "bbbbbbbb")));
    assertFalse(abandoned.future.isDone());
    assertArrayEquals(new byte[BLOCK], late.array(), "an abandoned buffer is left alone");
    next.future.get();
    assertTrue(inFlight.isEmpty());
  }

  @Test
  void undecodableReplyDropsTheConnection() {
    ch.writeInbound(hex(reply(99, 0, "")));
    assertFalse(ch.isOpen());
  }
}
