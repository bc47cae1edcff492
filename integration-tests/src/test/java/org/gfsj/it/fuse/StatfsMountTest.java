package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.journal.device.DeviceOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * df on a live mount after files come and go reports what the bitmaps hold once the mount is
 * gone: the statfs totals are kept in step with every allocation, not recounted.
 */
class StatfsMountTest {
  @TempDir Path tmp;
  private GfsjMounts mounts;

  @BeforeEach
  void setUp() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  /** df's size, used and inodes-used columns, in 4 KiB blocks. */
  private static List<Long> df(Path mnt) throws Exception {
    String out = Commands.run("df", "--block-size=4096", "--output=size,used,iused",
        mnt.toString()).expect(0, "df " + mnt).output();
    String[] f = out.strip().split("\n")[1].trim().split("\\s+");
    return List.of(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
  }

  /** The same three numbers counted from the image's bitmaps. */
  private static List<Long> bitmaps(Path image) throws Exception {
    try (FileSystemReader fs = FileSystemReader.open(image.toString(),
        DeviceOptions.defaults().withReadOnly(true))) {
      long total = 0;
      long used = 0;
      long dinodes = 0;
      for (ResourceGroupIndexEntry g : fs.resourceGroupIndex()) {
        total += g.dataBlocks();
        for (BlockState s : fs.bitmap(g)) {
          used += s == BlockState.FREE ? 0 : 1;
          dinodes += s == BlockState.DINODE || s == BlockState.UNLINKED ? 1 : 0;
        }
      }
      return List.of(total, used, dinodes);
    }
  }

  @Test
  void dfAfterCreatesAndDeletesMatchesTheBitmaps() throws Exception {
    Path image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    ProcessHandle server = mounts.mount(image, mnt);
    List<Long> empty = df(mnt);
    Commands.run("sh", "-c", "cd " + mnt + " && mkdir d && for i in $(seq 1 40); do"
        + " head -c $((i * 20000)) /dev/zero > d/f$i; done && dd if=/dev/zero of=big bs=1M"
        + " count=24 status=none && rm d/f1* big && ln -s d/f2 link")
        .expect(0, "create and delete files");
    List<Long> live = df(mnt);
    GfsjMounts.umount(mnt, server);
    assertEquals(bitmaps(image), live, "df (size, used, inodes) = the bitmaps after unmount");
    assertEquals(empty.get(0), live.get(0));
    assertEquals(empty.get(2) + 1 + 40 - 11 + 1, live.get(2), "d, 29 files and a symlink more");
  }
}
