package org.gfsj.tools.lockd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.gfsj.lockd.tls.ClusterCa;
import org.gfsj.lockd.wire.ClusterSecret;

/**
 * What a production lockd cluster authenticates with, made for one bench run in its temporary
 * directory: a throwaway cluster CA with a key and certificate for each peer (Raft between the
 * peers over mutual TLS, {@code --tls-dir}) and a random cluster secret (an HMAC on every frame
 * of the client port, {@code --secret-file}), which the bench's clients and status queries show.
 * Certificates name the host, 127.0.0.1, not the port, so they stay valid when the peers start
 * again on new ports.
 */
final class BenchCredentials {
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final int SECRET_BYTES = 32;

  private final Path tlsDir;
  private final Path secretFile;
  private final ClusterSecret secret;

  private BenchCredentials(Path tlsDir, Path secretFile, ClusterSecret secret) {
    this.tlsDir = tlsDir;
    this.secretFile = secretFile;
    this.secret = secret;
  }

  /** Writes the CA, the admin's and every peer's files to {@code dir}/tls and the secret. */
  static BenchCredentials create(Path dir, List<String> peerIds) throws IOException {
    Path tls = dir.resolve("tls");
    ClusterCa ca = ClusterCa.create("gfsj-bench", VALIDITY);
    ca.write(tls, false);
    ca.issue(tls, ClusterCa.ADMIN, null, VALIDITY, false);
    for (String id : peerIds) {
      ca.issue(tls, id, "127.0.0.1", VALIDITY, false);
    }
    Path secretFile = dir.resolve("lockd.secret");
    byte[] bytes = new byte[SECRET_BYTES];
    new SecureRandom().nextBytes(bytes);
    // Mode 600 from the moment the file exists: the peers refuse a secret others can read.
    Files.createFile(secretFile, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(secretFile)) {
      out.write(bytes);
    }
    return new BenchCredentials(tls, secretFile, ClusterSecret.read(secretFile));
  }

  /** The options every peer is started with, besides its id, peers and data directory. */
  List<String> peerOptions() {
    return List.of("--tls-dir", tlsDir.toString(), "--secret-file", secretFile.toString());
  }

  /** The cluster secret, for clients and tools. */
  ClusterSecret secret() {
    return secret;
  }
}
