package org.gfsj.lockd.raftrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftPeer;
import org.gfsj.lockd.testing.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer's server and each Raft client of its batcher open connections of their own; a dead
 * peer is still one log line for all of them, and so is its return.
 */
class RaftConnectionsTest {
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private PrintStream stderr;

  @BeforeEach
  void captureLog() {
    // slf4j-simple writes to whatever System.err is at the time of each line.
    stderr = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreLog() {
    System.setErr(stderr);
  }

  @Test
  void aDeadPeerIsOneLineForAllConnectionsOfTheProcess() throws Exception {
    int port = FreePorts.single();
    RaftPeer peer = RaftPeer.newBuilder().setId("gone").setAddress("127.0.0.1:" + port).build();
    try (RaftConnections server = new RaftConnections("n1-peers", new RaftProperties(), null,
            1_000);
        RaftConnections laneClient = new RaftConnections("client-1", new RaftProperties(), null,
            1_000)) {
      server.addRaftPeers(List.of(peer));
      laneClient.addRaftPeers(List.of(peer));
      assertThrows(IOException.class, () -> server.getProxy(peer.getId()));
      assertThrows(IOException.class, () -> laneClient.getProxy(peer.getId()));
      assertThrows(IOException.class, () -> server.getProxy(peer.getId()));
      assertEquals(1, lines("cannot reach Raft peer gone at 127.0.0.1:" + port), log());

      try (ServerSocket back = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
        server.getProxy(peer.getId());
        laneClient.getProxy(peer.getId());
        assertEquals(1, lines("Raft peer gone at 127.0.0.1:" + port + " is reachable again"),
            log());
      }
    }
  }

  private String log() {
    return log.toString(StandardCharsets.UTF_8);
  }

  private long lines(String text) {
    return log().lines().filter(l -> l.contains(text)).count();
  }
}
