package org.gfsj.journal.nbd;

import static org.gfsj.journal.nbd.Bytes.drain;
import static org.gfsj.journal.nbd.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The handshake against bytes as Debian's nbd-server 3.24 sends them, captured from a real server
 * exporting a 16 MiB image as "disk" with flush, fua and trim on.
 */
class NbdHandshakeHandlerTest {
  /** NBDMAGIC, IHAVEOPT, handshake flags FIXED_NEWSTYLE | NO_ZEROES. */
  static final String HELLO = "4e42444d41474943 49484156454f5054 0003";
  /** NBD_REP_INFO to NBD_OPT_GO: NBD_INFO_EXPORT, 16 MiB, flags 0x16d. */
  static final String INFO = "0003e889045565a9 00000007 00000003 0000000c 0000 0000000001000000 016d";
  static final String ACK = "0003e889045565a9 00000007 00000001 00000000";
  /** NBD_REP_ERR_UNKNOWN with the server's message "Export unknown". */
  static final String UNKNOWN = "0003e889045565a9 00000007 80000006 0000000e "
      + "4578706f727420756e6b6e6f776e";
  static final String UNSUP = "0003e889045565a9 00000007 80000001 00000000";

  private final CompletableFuture<NbdExport> result = new CompletableFuture<>();

  private EmbeddedChannel channel(String export) {
    return new EmbeddedChannel(new NbdHandshakeHandler("nbd://test:1/" + export, export, result));
  }

  @Test
  void goAgainstRealServerBytesYieldsSizeAndFlags() throws Exception {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(hex(HELLO));
    assertEquals("00000003", drain(ch.readOutbound()), "client flags: fixed newstyle, no zeroes");
    assertEquals("49484156454f5054" + "00000007" + "0000000a" + "00000004"
        + asciiHex("disk") + "0000", drain(ch.readOutbound()),
        "NBD_OPT_GO naming the export, no information requests");
    ch.writeInbound(hex(INFO));
    assertFalse(result.isDone(), "the export is agreed only at the ACK");
    ch.writeInbound(hex(ACK));
    NbdExport export = result.get();
    assertEquals(16 << 20, export.size());
    assertEquals(0x16d, export.flags());
    assertTrue(export.canFlush() && export.canFua() && export.canTrim() && !export.readOnly());
    assertNull(ch.pipeline().get(NbdHandshakeHandler.class), "handler leaves the pipeline");
    assertTrue(ch.isOpen());
  }

  @Test
  void repliesArrivingOneByteAtATimeAreReassembled() throws Exception {
    EmbeddedChannel ch = channel("disk");
    ByteBuf all = Unpooled.wrappedBuffer(hex(HELLO), hex(INFO), hex(ACK));
    while (all.isReadable()) {
      ch.writeInbound(all.readRetainedSlice(1));
    }
    all.release();
    assertEquals(16 << 20, result.get().size());
  }

  @Test
  void bytesAfterTheHandshakeGoOnToTheNextHandler() {
    StringBuilder seen = new StringBuilder();
    EmbeddedChannel ch = channel("disk");
    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        seen.append(drain((ByteBuf) msg));
      }
    });
    ch.writeInbound(hex(HELLO));
    ch.writeInbound(Unpooled.wrappedBuffer(hex(INFO), hex(ACK + "67446698")));
    assertTrue(result.isDone());
    assertEquals("67446698", seen.toString());
  }

  @Test
  void unknownExportFailsNamingItAndTheServersWords() {
    EmbeddedChannel ch = channel("nope");
    ch.writeInbound(hex(HELLO));
    ch.writeInbound(hex(UNKNOWN));
    String message = failure();
    assertTrue(message.contains("no export 'nope'"), message);
    assertTrue(message.contains("Export unknown"), message);
    assertTrue(message.contains("nbd://test:1/nope"), message);
    assertFalse(ch.isOpen());
  }

  @Test
  void serverWithoutGoGetsExportName() throws Exception {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(hex(HELLO));
    drain(ch.readOutbound());
    drain(ch.readOutbound());
    ch.writeInbound(hex(UNSUP));
    assertEquals("49484156454f5054" + "00000001" + "00000004"
        + asciiHex("disk"), drain(ch.readOutbound()));
    ch.writeInbound(hex("0000000001000000 0003"));
    assertEquals(new NbdExport(16 << 20, 3), result.get());
  }

  @Test
  void exportNameReplyWaitsForTheZeroesUnlessTheyWereWaived() throws Exception {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(hex("4e42444d41474943 49484156454f5054 0001")); // fixed newstyle only
    assertEquals("00000001", drain(ch.readOutbound()));
    drain(ch.readOutbound());
    ch.writeInbound(hex(UNSUP));
    drain(ch.readOutbound());
    ch.writeInbound(hex("0000000000100000 0001"));
    assertFalse(result.isDone(), "124 zero bytes still to come");
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[124]));
    assertEquals(new NbdExport(1 << 20, 1), result.get());
  }

  @Test
  void serverWithoutFixedNewstyleGetsExportNameAtOnce() {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(hex("4e42444d41474943 49484156454f5054 0000"));
    assertEquals("00000000", drain(ch.readOutbound()));
    assertTrue(drain(ch.readOutbound()).startsWith("49484156454f5054" + "00000001"));
  }

  @Test
  void closingAfterExportNameBlamesTheExportName() {
    EmbeddedChannel ch = channel("nope");
    ch.writeInbound(hex("4e42444d41474943 49484156454f5054 0000"));
    ch.close();
    String message = failure();
    assertTrue(message.contains("export 'nope'"), message);
  }

  @Test
  void somethingElseThanNbdIsNamedAsSuch() {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 400 Bad Request\r\n\r\n",
        StandardCharsets.US_ASCII));
    assertTrue(failure().contains("not an NBD server"));
    assertFalse(ch.isOpen());
  }

  @Test
  void oldstyleServerIsRefused() {
    EmbeddedChannel ch = channel("disk");
    ch.writeInbound(hex("4e42444d41474943 0000420281861253 0000"));
    assertTrue(failure().contains("oldstyle"));
  }

  private String failure() {
    assertTrue(result.isCompletedExceptionally(), "handshake should have failed");
    try {
      result.get();
      throw new AssertionError("unreachable");
    } catch (ExecutionException e) {
      return e.getCause().getMessage();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static String asciiHex(String s) {
    return java.util.HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }
}
