package org.gfsj.lockd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Random;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Hello;
import org.gfsj.lockd.proto.ServerFrame;
import org.junit.jupiter.api.Test;

class FrameCodecsTest {

  /** A server pipeline without a secret, its welcome frame already read and dropped. */
  private static EmbeddedChannel server() {
    EmbeddedChannel ch = new EmbeddedChannel();
    FrameCodecs.serverSide(ch.pipeline(), null);
    ch.pipeline().fireChannelActive();
    Object welcome;
    while ((welcome = ch.readOutbound()) != null) {
      ((ByteBuf) welcome).release();
    }
    return ch;
  }

  /** A data frame as a client without a secret sends it. */
  private static ByteBuf framed(byte[] payload) {
    return Unpooled.buffer().writeInt(payload.length + 1).writeByte('D').writeBytes(payload);
  }

  @Test
  void aFrameSplitAcrossReadsIsDecodedOnceWhole() {
    EmbeddedChannel ch = server();
    ClientFrame hello = ClientFrame.newBuilder().setHello(Hello.newBuilder().setClientId(7)).build();
    ByteBuf bytes = framed(hello.toByteArray());
    ch.writeInbound(bytes.readRetainedSlice(3));
    assertNull(ch.readInbound());
    ch.writeInbound(bytes);
    assertEquals(hello, ch.readInbound());
    assertTrue(ch.writeOutbound(ServerFrame.newBuilder().setGoodbye("bye").build()));
    // The prepender writes the length and the frame (kind byte, payload) as two buffers.
    ByteBuf length = ch.readOutbound();
    ByteBuf frame = ch.readOutbound();
    assertEquals(frame.readableBytes(), length.getInt(0));
    assertEquals('D', frame.getByte(0));
    length.release();
    frame.release();
  }

  @Test
  void anOversizedFrameIsRefusedBeforeItIsBuffered() {
    EmbeddedChannel ch = server();
    ByteBuf huge = Unpooled.buffer().writeInt(FrameCodecs.MAX_CLIENT_FRAME + 1).writeZero(16);
    assertThrows(TooLongFrameException.class, () -> ch.writeInbound(huge));
  }

  @Test
  void randomBytesNeverGetPastTheDecoderAsSomethingElse() {
    Random random = new Random(11);
    int decoded = 0;
    int rejected = 0;
    for (int i = 0; i < 5_000; i++) {
      EmbeddedChannel ch = server();
      byte[] payload = new byte[random.nextInt(64)];
      random.nextBytes(payload);
      try {
        ch.writeInbound(framed(payload));
        Object frame = ch.readInbound();
        if (frame != null) {
          assertTrue(frame instanceof ClientFrame);
          decoded++;
        }
      } catch (DecoderException expected) {
        rejected++;
      }
      ch.finishAndReleaseAll();
    }
    assertTrue(rejected > 0, "no random payload was rejected");
    assertTrue(decoded > 0, "no random payload parsed; the test feeds too little");
  }
}
