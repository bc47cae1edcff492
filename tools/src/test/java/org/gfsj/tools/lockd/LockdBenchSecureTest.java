package org.gfsj.tools.lockd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.LockdAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peers of {@code gfs-tool lockd bench --secure} run as a production cluster does: Raft
 * between them over mutual TLS, and a client port that refuses whoever lacks the cluster secret,
 * while the bench's own clients and status queries, which show it, get their pairs and answers.
 */
class LockdBenchSecureTest {
  @TempDir Path dir;

  @Test
  void securePeersUseTlsAndServeOnlyHoldersOfTheSecret() throws Exception {
    BenchCredentials credentials = BenchCredentials.create(dir, BenchProcesses.LOCKD_IDS);
    try (BenchProcesses processes = new BenchProcesses(dir)) {
      List<InetSocketAddress> peers = processes.startLockd(credentials.peerOptions());
      LockdPairs pairs = new LockdPairs("gfs-lockd (TLS+secret)", peers, credentials.secret(),
          processes::lockdCpu);
      pairs.open(1);
      try {
        pairs.pair(0, "one").get(60, TimeUnit.SECONDS);
      } finally {
        pairs.close();
      }
      assertTrue(pairs.logEntries().isPresent(),
          "no peer answered a status query that showed the secret");

      try (LockdAdmin stranger = new LockdAdmin(5_000, null)) {
        IOException e = assertThrows(IOException.class, () -> stranger.status(peers.get(0)));
        assertTrue(e.getMessage().contains("requires the cluster secret"), e.getMessage());
      }
      for (String id : BenchProcesses.LOCKD_IDS) {
        String log = Files.readString(processes.log(id));
        assertTrue(log.contains("Netty with mutual TLS"), id + " did not start with TLS: " + log);
      }
    }
  }
}
