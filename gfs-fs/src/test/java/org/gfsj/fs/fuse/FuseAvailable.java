package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this host can mount FUSE. In CI (CI set) a missing /dev/fuse fails the test, so that a
 * broken runner never passes by skipping; elsewhere the test is skipped with the reason.
 */
final class FuseAvailable {
  private FuseAvailable() {}

  static void require() {
    boolean fuse = Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse"));
    String why = "FUSE mounts need read-write /dev/fuse (and fusermount); run as root or in the"
        + " fuse group";
    if (System.getenv("CI") != null) {
      assertTrue(fuse, why);
    } else {
      assumeTrue(fuse, why);
    }
  }
}
