package org.gfsj.it.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A freshly made 1 GiB GFSJ image mounted with mount.gfsj for each test: the set-up most mount
 * tests share, registered with {@code @RegisterExtension final MountedImage fs = new
 * MountedImage();}. The image and mount point live in a directory other users can pass through
 * (the tests that act as nobody need that), and everything is unmounted, stopped and deleted
 * after each test, also when it fails.
 */
final class MountedImage implements BeforeEachCallback, AfterEachCallback {
  private final GfsjMounts mounts = new GfsjMounts();
  private Path dir;
  private Path image;
  private Path mnt;
  private ProcessHandle server;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    GfsjMounts.requireFuse();
    dir = Files.createTempDirectory("gfsj-it-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    image = Commands.sparseImage(dir.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(dir.resolve("mnt"));
    mount();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      mounts.close();
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  Path image() {
    return image;
  }

  Path mnt() {
    return mnt;
  }

  /** umount(8), then waits for the server to have written back and exited. */
  void unmount() throws Exception {
    GfsjMounts.umount(mnt, server);
  }

  void mount(String... options) throws Exception {
    server = mounts.mount(image, mnt, options);
  }
}
