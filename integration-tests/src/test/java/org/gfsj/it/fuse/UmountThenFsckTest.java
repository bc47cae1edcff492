package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code umount DIR && fsck.gfsj -n DEV}: umount(8) returns once the kernel has detached a FUSE
 * mount, while its server may still write back and close the journal, holding the device. fsck
 * then waits for that server instead of refusing a device that is no longer mounted. A lazy
 * unmount with a file still open keeps the server alive on purpose, so that the wait is certain.
 */
class UmountThenFsckTest {
  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path image;
  private Path mnt;

  @BeforeEach
  void image() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
    image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(tmp.resolve("mnt"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  @Test
  void fsckWaitsForTheServerOfADetachedMount() throws Exception {
    ProcessHandle server = mounts.mount(image, mnt);
    FileChannel held = FileChannel.open(mnt.resolve("held"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    try {
      held.write(ByteBuffer.wrap("written while mounted".getBytes()));
      Commands.run("umount", "-l", mnt.toString()).expect(0, "umount -l " + mnt);
      assertTrue(!MountTable.isGfsjMounted(mnt) && server.isAlive(),
          "detached, and the server still serves the open file");
      // the last user lets go a second later; the server then writes back and exits
      CompletableFuture.runAsync(() -> {
        try {
          held.close();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int status = Fsck.check(image.toString(), false, false, new PrintWriter(out),
          new PrintWriter(err));
      assertEquals(0, status, out + "\n" + err);
      assertTrue(err.toString().contains("waiting up to"), err.toString());
    } finally {
      held.close();
    }
    GfsjMounts.awaitExit(server);
  }
}
