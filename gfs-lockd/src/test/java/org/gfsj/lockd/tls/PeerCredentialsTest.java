package org.gfsj.lockd.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer refuses at start any TLS directory it could not join a cluster with, and says why. */
class PeerCredentialsTest {
  @TempDir Path dir;

  private Path cluster(String name, String... peers) throws IOException {
    Path tls = dir.resolve(name);
    ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
    ca.write(tls, false);
    for (String p : peers) {
      ca.issue(tls, p, "127.0.0.1", Duration.ofDays(1), false);
    }
    return tls;
  }

  @Test
  void loadsWhatTheCaIssued() throws IOException {
    Path tls = cluster("a", "n1");
    PeerCredentials c = PeerCredentials.load(tls, "n1");
    assertEquals("CN=n1", c.subject());
    assertTrue(c.trustedCa().startsWith("CN=gfsj lockd CA test (SHA-256 fingerprint "),
        c.trustedCa());
  }

  @Test
  void aMissingCertificateNamesKeygen() throws IOException {
    Path tls = cluster("a", "n1");
    IOException e = assertThrows(IOException.class, () -> PeerCredentials.load(tls, "n2"));
    assertTrue(e.getMessage().contains("has no n2.crt")
        && e.getMessage().contains("gfs-tool keygen --dir " + tls + " --peers n2=HOST:PORT"),
        e.getMessage());
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() throws IOException {
    Path tls = cluster("a", "n1");
    Path other = cluster("b", "n1");
    for (String f : new String[] {"n1.crt", "n1.key"}) {
      Files.copy(other.resolve(f), tls.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    IOException e = assertThrows(IOException.class, () -> PeerCredentials.load(tls, "n1"));
    assertTrue(e.getMessage().contains("is not signed by the cluster CA"), e.getMessage());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() throws IOException {
    Path tls = cluster("a", "n1", "n2");
    Files.copy(tls.resolve("n2.key"), tls.resolve("n1.key"), StandardCopyOption.REPLACE_EXISTING);
    IOException e = assertThrows(IOException.class, () -> PeerCredentials.load(tls, "n1"));
    assertTrue(e.getMessage().contains("is not the key of"), e.getMessage());
  }

  @Test
  void aKeyOthersCanReadIsRefused() throws IOException {
    Path tls = cluster("a", "n1");
    Files.setPosixFilePermissions(tls.resolve("n1.key"),
        PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> PeerCredentials.load(tls, "n1"));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }
}
