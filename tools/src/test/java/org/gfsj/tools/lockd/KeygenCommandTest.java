package org.gfsj.tools.lockd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.gfsj.lockd.tls.PeerCredentials;
import org.gfsj.tools.GfsTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** gfs-tool keygen: what it writes, with which permissions, and what it refuses to do. */
class KeygenCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new GfsTool());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static X509Certificate cert(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static Set<String> files(Path tls) throws Exception {
    try (Stream<Path> s = Files.list(tls)) {
      return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void makesACaAndOnePairPerPeerWithPrivateKeys() throws Exception {
    Path tls = dir.resolve("tls");
    Run r = run("keygen", "--dir", tls.toString(), "--days", "30",
        "--peers", "n1=127.0.0.1:7400,n2=node2.example:7400");
    assertEquals(0, r.code(), r.err());
    assertEquals(Set.of("ca.crt", "ca.key", "admin.crt", "admin.key", "n1.crt", "n1.key",
        "n2.crt", "n2.key"), files(tls));
    for (String f : files(tls)) {
      assertTrue(r.out().contains("wrote " + tls.resolve(f)), r.out());
      String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(f)));
      if (f.endsWith(".key")) {
        assertEquals("rw-------", perms, f);
        assertTrue(Files.readString(tls.resolve(f)).startsWith("-----BEGIN PRIVATE KEY-----"), f);
      } else {
        assertFalse(perms.substring(3).contains("w"), f + " writable by others: " + perms);
      }
    }

    X509Certificate ca = cert(tls.resolve("ca.crt"));
    X509Certificate n1 = cert(tls.resolve("n1.crt"));
    X509Certificate n2 = cert(tls.resolve("n2.crt"));
    assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
    n1.verify(ca.getPublicKey());
    n2.verify(ca.getPublicKey());
    assertEquals(-1, n1.getBasicConstraints(), "a peer certificate is not a CA");
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), n1.getExtendedKeyUsage());
    assertEquals(List.of(List.of(7, "127.0.0.1")), names(n1.getSubjectAlternativeNames()));
    assertEquals(List.of(List.of(2, "node2.example")), names(n2.getSubjectAlternativeNames()));
    long days = (n1.getNotAfter().getTime() - System.currentTimeMillis()) / 86_400_000L;
    assertTrue(days >= 29 && days <= 30, "valid for " + days + " days");
    // What a peer loads at start accepts them.
    assertEquals("CN=n1", PeerCredentials.load(tls, "n1").subject());
    assertEquals("CN=admin", PeerCredentials.load(tls, "admin").subject());
  }

  private static List<List<Object>> names(Collection<List<?>> names) {
    return names.stream().map(n -> List.<Object>copyOf(n)).toList();
  }

  @Test
  void anExistingCaIsKeptAndIssuesNewPeersUnlessForced() throws Exception {
    Path tls = dir.resolve("tls");
    assertEquals(0, run("keygen", "--dir", tls.toString()).code());
    byte[] caBefore = Files.readAllBytes(tls.resolve("ca.crt"));

    Run again = run("keygen", "--dir", tls.toString());
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already holds a cluster CA") && again.err().contains("--force"),
        again.err());
    assertArrayEquals(caBefore, Files.readAllBytes(tls.resolve("ca.crt")));

    Run add = run("keygen", "--dir", tls.toString(), "--peers", "n4=127.0.0.1:7406");
    assertEquals(0, add.code(), add.err());
    assertArrayEquals(caBefore, Files.readAllBytes(tls.resolve("ca.crt")));
    cert(tls.resolve("n4.crt")).verify(cert(tls.resolve("ca.crt")).getPublicKey());

    Run twice = run("keygen", "--dir", tls.toString(), "--peers", "n4=127.0.0.1:7406");
    assertEquals(1, twice.code());
    assertTrue(twice.err().contains("n4") && twice.err().contains("--force"), twice.err());

    Run forced = run("keygen", "--dir", tls.toString(), "--force", "--peers", "n4=127.0.0.1:7406");
    assertEquals(0, forced.code(), forced.err());
    assertFalse(java.util.Arrays.equals(caBefore, Files.readAllBytes(tls.resolve("ca.crt"))),
        "--force made a new CA");
    cert(tls.resolve("n4.crt")).verify(cert(tls.resolve("ca.crt")).getPublicKey());
  }

  @Test
  void badInputIsRefusedWithANonZeroExit() {
    Path tls = dir.resolve("tls");
    Run badPeer = run("keygen", "--dir", tls.toString(), "--peers", "n1");
    assertEquals(1, badPeer.code());
    assertTrue(badPeer.err().contains("expected ID=HOST:PORT"), badPeer.err());
    Run reserved = run("keygen", "--dir", tls.toString(), "--peers", "ca=127.0.0.1:1");
    assertEquals(1, reserved.code());
    assertTrue(reserved.err().contains("not 'ca' or 'admin'"), reserved.err());
    assertEquals(1, run("keygen", "--dir", tls.toString(), "--days", "0").code());
    assertFalse(Files.exists(tls.resolve("ca.key")), "nothing written on bad input");
    Run help = run("keygen", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--peers") && help.out().contains("--force"), help.out());
  }
}
