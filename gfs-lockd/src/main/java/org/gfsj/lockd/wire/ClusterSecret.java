package org.gfsj.lockd.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The secret every peer, node and tool of one cluster shares, read from a file (any bytes, at
 * least {@link #MIN_BYTES}; {@code head -c 32 /dev/urandom > lockd.secret} makes one). It keys
 * the HMAC on every frame of the client protocol ({@link FrameAuthenticator}).
 */
public final class ClusterSecret {
  public static final int MIN_BYTES = 16;

  private final byte[] bytes;

  private ClusterSecret(byte[] bytes) {
    this.bytes = bytes;
  }

  public static ClusterSecret read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < MIN_BYTES) {
      throw new IOException("cluster secret " + file + " has " + bytes.length
          + " bytes; it needs at least " + MIN_BYTES
          + " (make one with: head -c 32 /dev/urandom > " + file + ")");
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw new IOException("cluster secret " + file + " is readable by everyone; chmod 600 it");
      }
    } catch (UnsupportedOperationException notPosix) {
      // Nothing to check on this filesystem.
    }
    return new ClusterSecret(bytes);
  }

  /** For tests that make their own secret. */
  public static ClusterSecret of(byte[] bytes) {
    if (bytes.length < MIN_BYTES) {
      throw new IllegalArgumentException("a cluster secret needs at least " + MIN_BYTES + " bytes");
    }
    return new ClusterSecret(bytes.clone());
  }

  byte[] bytes() {
    return bytes;
  }
}
