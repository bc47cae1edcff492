package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What arrives at a plain peer's Raft port from a stranger who does not speak Raft: a frame
 * length of 2 GiB is refused at once (the connection closed, nothing buffered), and hundreds of
 * connections of random bytes leave the group serving locks.
 */
class RaftPortGarbageTest {
  @TempDir Path dir;

  @Test
  void garbageOnTheRaftPortIsDroppedAndTheGroupServes() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 3)) {
      String leader = cluster.leader();
      InetSocketAddress raft = cluster.peers().raft().get(leader);
      try (Socket s = new Socket(raft.getHostString(), raft.getPort())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        // varint32 of 2^31 - 1, then a little of the promised frame.
        out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2});
        out.flush();
        assertEquals(-1, readToEnd(s.getInputStream()), "the peer closes the connection");
      }

      Random random = new Random(20261127);
      for (int i = 0; i < 300; i++) {
        InetSocketAddress target = cluster.peers().raft().get("n" + (1 + i % 3));
        byte[] junk = new byte[1 + random.nextInt(200)];
        random.nextBytes(junk);
        try (Socket s = new Socket(target.getHostString(), target.getPort())) {
          s.getOutputStream().write(junk);
        } catch (SocketException closedByPeer) {
          // The peer may close before all of it is written; that is the point.
        }
      }

      LockdClient client = LockdClient.connect(
          LockdClientConfig.defaults(cluster.clientAddresses(), "after-garbage"),
          new LockdListener() {}).get(30, TimeUnit.SECONDS);
      try {
        ResourceName r = new ResourceName(2, 1);
        assertEquals(LockMode.EX,
            client.lock(r, LockMode.EX, false).get(30, TimeUnit.SECONDS).mode());
        client.unlock(r, new byte[0]).get(30, TimeUnit.SECONDS);
      } finally {
        client.close();
      }
      assertTrue(cluster.peers().raft().keySet().stream()
          .allMatch(id -> cluster.replica(id).division().getInfo().isAlive()), "every peer up");
    }
  }

  /** Reads until the end of the stream; returns -1 then (a timeout throws instead). */
  private static int readToEnd(InputStream in) throws IOException {
    byte[] buffer = new byte[4096];
    int n;
    try {
      while ((n = in.read(buffer)) >= 0) {
        // Replies are not expected, but would not matter.
      }
    } catch (SocketException reset) {
      return -1;
    }
    return n;
  }
}
