package org.gfsj.lockd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.gfsj.lockd.proto.ClientFrame;
import org.gfsj.lockd.proto.Hello;
import org.gfsj.lockd.proto.ServerFrame;
import org.junit.jupiter.api.Test;

/** A client pipeline and a server pipeline joined back to back, bytes moved by hand. */
class FrameAuthenticatorTest {
  private static final ClusterSecret SECRET =
      ClusterSecret.of("correct horse battery staple".getBytes(StandardCharsets.UTF_8));
  private static final ClusterSecret OTHER =
      ClusterSecret.of("another cluster entirely!".getBytes(StandardCharsets.UTF_8));
  private static final ClientFrame HELLO =
      ClientFrame.newBuilder().setHello(Hello.newBuilder().setClientId(42)).build();

  /** Both ends, with the errors each end's last handler saw. */
  private static final class Link {
    final EmbeddedChannel client = new EmbeddedChannel();
    final EmbeddedChannel server = new EmbeddedChannel();
    final List<Throwable> clientErrors = new ArrayList<>();
    final List<Throwable> serverErrors = new ArrayList<>();

    Link(ClusterSecret clientSecret, ClusterSecret serverSecret) {
      FrameCodecs.clientSide(client.pipeline(), clientSecret);
      client.pipeline().addLast(recorder(clientErrors));
      FrameCodecs.serverSide(server.pipeline(), serverSecret);
      server.pipeline().addLast(recorder(serverErrors));
      server.pipeline().fireChannelActive();
    }

    private static ChannelInboundHandlerAdapter recorder(List<Throwable> errors) {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
          errors.add(cause);
        }
      };
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    void pump(UnaryOperator<ByteBuf> tamper) {
      boolean moved = true;
      while (moved) {
        moved = move(server, client, UnaryOperator.identity())
            | move(client, server, tamper);
      }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to,
        UnaryOperator<ByteBuf> tamper) {
      boolean any = false;
      for (Object o = from.readOutbound(); o != null; o = from.readOutbound()) {
        any = true;
        if (to.isOpen()) {
          to.writeInbound(tamper.apply((ByteBuf) o));
        } else {
          ((ByteBuf) o).release();
        }
      }
      return any;
    }
  }

  @Test
  void matchingSecretsCarryFramesBothWays() {
    Link link = new Link(SECRET, SECRET);
    link.client.writeOutbound(HELLO);
    link.pump(UnaryOperator.identity());
    assertEquals(HELLO, link.server.readInbound());
    link.server.writeOutbound(ServerFrame.newBuilder().setGoodbye("ok").build());
    link.pump(UnaryOperator.identity());
    assertEquals("ok", ((ServerFrame) link.client.readInbound()).getGoodbye());
    assertTrue(link.clientErrors.isEmpty() && link.serverErrors.isEmpty());
  }

  @Test
  void aClientWithTheWrongSecretIsRefusedAndToldWhy() {
    Link link = new Link(OTHER, SECRET);
    link.client.writeOutbound(HELLO);
    link.pump(UnaryOperator.identity());
    assertNull(link.server.readInbound());
    assertFalse(link.server.isOpen());
    assertTrue(link.clientErrors.get(0).getMessage().contains("cluster secret differs"),
        link.clientErrors.toString());
  }

  @Test
  void aClientWithoutTheSecretLearnsThatItNeedsOne() {
    Link link = new Link(null, SECRET);
    link.client.writeOutbound(HELLO);
    link.pump(UnaryOperator.identity());
    assertNull(link.server.readInbound());
    assertTrue(link.clientErrors.get(0).getMessage().contains("requires the cluster secret"),
        link.clientErrors.toString());
  }

  @Test
  void aSecretOnTheClientOnlyIsRefusedToo() {
    Link link = new Link(SECRET, null);
    link.client.writeOutbound(HELLO);
    link.pump(UnaryOperator.identity());
    assertNull(link.server.readInbound());
    assertTrue(link.clientErrors.get(0).getMessage().contains("does not authenticate"));
  }

  @Test
  void aFlippedBitOrAReplayedFrameIsRefused() {
    Link flipped = new Link(SECRET, SECRET);
    flipped.client.writeOutbound(HELLO);
    flipped.pump(buf -> {
      if (buf.readableBytes() > 8) {
        buf.setByte(6, buf.getByte(6) ^ 1);
      }
      return buf;
    });
    assertNull(flipped.server.readInbound());
    assertFalse(flipped.server.isOpen());

    Link replayed = new Link(SECRET, SECRET);
    List<ByteBuf> copies = new ArrayList<>();
    replayed.client.writeOutbound(HELLO);
    replayed.pump(buf -> {
      copies.add(buf.copy());
      return buf;
    });
    assertEquals(HELLO, replayed.server.readInbound());
    for (ByteBuf copy : copies) {
      replayed.server.writeInbound(copy);
    }
    assertNull(replayed.server.readInbound());
    assertFalse(replayed.server.isOpen());
  }
}
