package org.gfsj.it.fuse;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A freshly made 1 GiB GFSJ image mounted with mount.gfsj in a test's directory: the set-up most
 * mount tests share, with unmount and mount again in between, and everything undone by close.
 */
final class MountedImage implements AutoCloseable {
  private final GfsjMounts mounts = new GfsjMounts();
  private final Path image;
  private final Path mnt;
  private ProcessHandle server;

  private MountedImage(Path image, Path mnt) {
    this.image = image;
    this.mnt = mnt;
  }

  /** mkfs.gfsj on {@code dir}/image, mounted on {@code dir}/mnt with {@code options}. */
  static MountedImage make(Path dir, String... options) throws Exception {
    GfsjMounts.requireFuse();
    Path image = Commands.sparseImage(dir.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    MountedImage m = new MountedImage(image, Files.createDirectory(dir.resolve("mnt")));
    m.mount(options);
    return m;
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

  @Override
  public void close() throws Exception {
    mounts.close();
  }
}
