package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls that only read (getattr, lookup, read, readdir, getxattr, listxattr, readlink, access,
 * statfs) allocate no transaction. Measured by the JVM's per-thread allocation counter after a
 * warm-up: a transaction with its maps costs about 190 bytes, and getattr, read, access and statfs
 * allocated 280-384 bytes a call with one, 96-188 without.
 */
@Timeout(120)
class ReadAllocationTest {
  private static final int CALLS = 100_000;
  /** Bytes a call with a small result may allocate: less than any took with a transaction. */
  private static final long BUDGET = 250;

  @FunctionalInterface
  private interface Call {
    void run() throws Exception;
  }

  private static long bytesPerCall(Call call) throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < CALLS; i++) {
      call.run();
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < CALLS; i++) {
      call.run();
    }
    return (threads.getCurrentThreadAllocatedBytes() - before) / CALLS;
  }

  @Test
  void readingCallsAllocateNoTransaction() throws Exception {
    MemoryBlockDevice dev = new MemoryBlockDevice("reads.img", TestFilesystems.BS,
        32 * TestFilesystems.MIB / TestFilesystems.BS);
    TestFilesystems.mkfs(dev, 8);
    try (GfsMount fs = GfsMount.open(dev, TestFilesystems.mountOptions()
        .withAtime(MountOptions.Atime.NOATIME))) {
      Vfs.Created c = fs.create(fs.root(), "file", 0644, OpenFlags.O_RDWR, Caller.ROOT);
      long ino = c.attributes().ino();
      fs.write(ino, c.handle(), 0, TestFilesystems.bytes("contents"), Caller.ROOT);
      fs.setxattr(ino, "user.k", "v".getBytes(StandardCharsets.UTF_8), 0, Caller.ROOT);
      long link = fs.symlink(fs.root(), "link", "file", Caller.ROOT).ino();
      ByteBuffer buffer = ByteBuffer.allocate(64);
      long root = fs.root();
      StringBuilder report = new StringBuilder();
      long worst = 0;
      for (var call : new Object[][] {
          {"getattr", (Call) () -> fs.getattr(ino)},
          {"read", (Call) () -> fs.read(ino, c.handle(), 0, buffer.clear())},
          {"access", (Call) () -> fs.access(ino, 4, Caller.ROOT)},
          {"statfs", (Call) fs::statfs}}) {
        long bytes = bytesPerCall((Call) call[1]);
        report.append(call[0]).append(' ').append(bytes).append(" B/call; ");
        worst = Math.max(worst, bytes);
      }
      // calls whose results are lists, strings or names allocate those: reported, not bounded
      report.append("getxattr ")
          .append(bytesPerCall(() -> fs.getxattr(ino, "user.k", Caller.ROOT)))
          .append(" B/call; lookup ")
          .append(bytesPerCall(() -> fs.lookup(root, "file", Caller.ROOT)))
          .append(" B/call; readdir ").append(bytesPerCall(() -> fs.readdir(root, 0, 8, Caller.ROOT)))
          .append(" B/call; listxattr ")
          .append(bytesPerCall(() -> fs.listxattr(ino, Caller.ROOT)))
          .append(" B/call; readlink ")
          .append(bytesPerCall(() -> fs.readlink(link, Caller.ROOT))).append(" B/call");
      System.out.println("ReadAllocationTest: " + report);
      fs.release(ino, c.handle());
      assertTrue(worst < BUDGET, report.toString());
    }
  }
}
