package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the peers' logs say while one of them is down: that it cannot be reached, once (Ratis
 * logged a stack trace for every attempt, several a second), and that it can again once it is
 * back; and who leads.
 */
class PeerOutageLogTest {
  /** How long the leader tries to reach the dead peer while the test reads its log. */
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private PeerProcesses peers;

  @AfterEach
  void stop() {
    if (peers != null) {
      peers.close();
    }
  }

  @Test
  void aPeerThatIsDownIsReportedOnceAndItsReturnToo() throws Exception {
    peers = new PeerProcesses(dir, Path.of("target", "peer-logs",
        "peer-outage-" + System.currentTimeMillis()), 3, List.of());
    peers.startAll();
    String leader = peers.awaitLeader(Duration.ofSeconds(60), "a leader");
    List<String> followers = peers.ids().stream().filter(id -> !id.equals(leader)).toList();
    String down = followers.get(0);
    Await.until(Duration.ofSeconds(30), followers.get(1) + " naming the leader",
        () -> log(followers.get(1)).contains("the Raft leader is now " + leader));

    // Peers that start one after another may not reach each other at first, and say so.
    int before = log(leader).length();
    peers.kill(down);
    String unreachable = "cannot reach Raft peer " + down + " at ";
    Await.until(Duration.ofSeconds(30), "the leader saying " + down + " is unreachable",
        () -> log(leader).substring(before).contains(unreachable));
    // Not synchronisation: that lines do not pile up takes time to show.
    Thread.sleep(OUTAGE.toMillis());
    String during = log(leader).substring(before);
    assertEquals(1, occurrences(during, unreachable), during);
    assertFalse(during.contains("Failed to start"), during);
    assertFalse(during.contains("Failed to appendEntries"), during);

    peers.start(down);
    peers.awaitReady(down);
    InetSocketAddress raft = PeerList.parse(peers.peerSpec()).raft().get(down);
    String back = "Raft peer " + down + " at " + raft.getHostString() + ":" + raft.getPort()
        + " is reachable again";
    Await.until(Duration.ofSeconds(30), "the leader saying " + down + " is back",
        () -> log(leader).substring(before).contains(back));
  }

  private String log(String id) {
    try {
      return Files.readString(peers.log(id));
    } catch (IOException e) {
      return "";
    }
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }
}
