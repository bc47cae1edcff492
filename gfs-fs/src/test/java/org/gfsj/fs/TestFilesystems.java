package org.gfsj.fs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;

/** Filesystems for tests: made by Mkfs on image files or memory devices. */
public final class TestFilesystems {
  static final int BS = 4096;
  static final long MIB = 1 << 20;

  private TestFilesystems() {}

  static MkfsOptions options(long groupMib) {
    return new MkfsOptions(BS, LockProtocol.NOLOCK, "", 2, 4 * MIB / BS, groupMib * MIB / BS,
        true);
  }

  /** A sparse image file of {@code mib} MiB holding a fresh filesystem. */
  public static Path image(Path dir, long mib) throws IOException {
    Path p = dir.resolve("fs.img");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(mib * MIB);
    }
    try (PathBlockDevice dev = PathBlockDevice.open(p,
        DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE))) {
      Mkfs.make(dev, options(Math.min(mib / 4, 32)), (d, t) -> {});
    }
    return p;
  }

  static void mkfs(BlockDevice device, long groupMib) throws IOException {
    Mkfs.make(device, options(groupMib), (d, t) -> {});
  }

  public static MountOptions mountOptions() {
    return MountOptions.defaults().withNodeName("test-node");
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
