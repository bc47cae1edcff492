package org.gfsj.lockd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A test peer's data directory, emptied when the peer must start again from nothing. */
public final class PeerDirectories {
  private PeerDirectories() {}

  /** Deletes {@code root} and everything below it; nothing if it does not exist. */
  public static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
