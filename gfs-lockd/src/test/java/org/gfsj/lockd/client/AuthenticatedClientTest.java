package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.server.InProcessCluster;
import org.gfsj.lockd.wire.ClusterSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single-peer cluster that demands the cluster secret of clients and tools. */
class AuthenticatedClientTest {
  private static final ClusterSecret SECRET =
      ClusterSecret.of("0123456789abcdef-cluster".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;

  @Test
  void onlyClientsWithTheSecretGetIn() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, SECRET)) {
      LockdClientConfig plain = new LockdClientConfig(cluster.clientAddresses(), "stranger",
          10_000, 1_000, 3_000, 2_000);
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> LockdClient.connect(plain, new LockdListener() {}).get(30, TimeUnit.SECONDS));
      assertTrue(refused.getCause().getMessage().contains("requires the cluster secret"),
          refused.getCause().getMessage());

      LockdClient member = LockdClient.connect(plain.withSecret(SECRET), new LockdListener() {})
          .get(30, TimeUnit.SECONDS);
      try {
        assertEquals(LockMode.EX, member.lock(new ResourceName(1, 1), LockMode.EX, false)
            .get(30, TimeUnit.SECONDS).mode());
      } finally {
        member.close();
      }

      try (LockdAdmin tool = new LockdAdmin(5_000, null)) {
        IOException e = assertThrows(IOException.class,
            () -> tool.status(cluster.clientAddresses().get(0)));
        assertTrue(e.getMessage().contains("requires the cluster secret"), e.getMessage());
      }
      try (LockdAdmin tool = new LockdAdmin(5_000, SECRET)) {
        assertEquals("n1", tool.status(cluster.clientAddresses().get(0)).getPeerId());
      }
    }
  }
}
