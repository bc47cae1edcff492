package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test peers whose port another process takes between choosing it and binding it (as happened
 * when two suites ran at once) start again on new ports instead of failing the test.
 */
class PortCollisionTest {
  @TempDir Path dir;
  private PeerProcesses peers;

  @AfterEach
  void stop() {
    if (peers != null) {
      peers.close();
    }
  }

  @Test
  void peersStartOnNewPortsWhenOneWasTakenMeanwhile() throws Exception {
    Path logs = Path.of("target", "peer-logs", "port-collision-" + System.currentTimeMillis());
    peers = new PeerProcesses(dir, logs, 3, List.of());
    String chosen = peers.peerSpec();
    int taken = PeerList.parse(chosen).raft().get("n2").getPort();
    try (ServerSocket squatter = new ServerSocket(taken, 1, InetAddress.getLoopbackAddress())) {
      peers.startAll();
    }
    assertNotEquals(chosen, peers.peerSpec());
    assertTrue(Files.readString(logs.resolve("n2.port-taken-1.log"))
        .contains("Address already in use"));
    String leader = peers.awaitLeader(Duration.ofSeconds(60), "a leader on the new ports");
    assertEquals(3, peers.status(leader).getPeersCount());
  }
}
