package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the kernel caches for a nolock mount (names, attributes, written pages) stays true: every
 * name of a hard link shows one inode, a setuid bit a write dropped is gone at once, appends
 * from two descriptors and shared mmap writes land where they should, and partial writes
 * through a write-only descriptor keep the bytes around them. Each also survives a remount, so
 * the data reached the disk and not only the page cache. renameat2's flags reach the filesystem.
 */
class KernelCachingTest {
  @RegisterExtension final MountedImage image = new MountedImage();
  private Path mnt;

  @BeforeEach
  void paths() {
    mnt = image.mnt();
  }

  private void remount() throws Exception {
    image.unmount();
    image.mount();
  }

  @Test
  void everyNameOfAHardLinkShowsTheSameInode() throws Exception {
    Path a = Files.writeString(mnt.resolve("a"), "one");
    Path b = Files.createLink(mnt.resolve("b"), a);
    assertEquals(2, Files.getAttribute(b, "unix:nlink"));
    Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(a, "longer text", StandardOpenOption.APPEND);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(b)));
    assertEquals(Files.size(a), Files.size(b));
    assertEquals("onelonger text", Files.readString(b));
    Files.delete(a);
    assertEquals(1, Files.getAttribute(b, "unix:nlink"));
  }

  @Test
  void aWriteByAnotherUserDropsSetuidAndStatSeesItAtOnce() throws Exception {
    Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path f = Files.writeString(mnt.resolve("tool"), "#!/bin/sh\n");
    Commands.run("chmod", "6777", f.toString()).expect(0, "chmod 6777");
    assertEquals(06777, mode(f));
    Nobody.sh("echo more >> " + f).expect(0, "append by nobody");
    assertEquals(0777, mode(f), "setuid and setgid (group execute set) dropped by the write");
    Commands.run("chmod", "6777", f.toString()).expect(0, "chmod 6777");
    Nobody.sh("truncate -s 3 " + f).expect(0, "truncate by nobody");
    assertEquals(0777, mode(f), "and by a truncate");
    Commands.run("chmod", "4777", f.toString()).expect(0, "chmod 4777");
    Commands.run("sh", "-c", "echo root >> " + f).expect(0, "append by root");
    assertEquals(04777, mode(f), "root keeps them (CAP_FSETID)");
    remount();
    assertEquals(04777, mode(f));
  }

  private static int mode(Path f) throws Exception {
    return (Integer) Files.getAttribute(f, "unix:mode") & 07777;
  }

  @Test
  void appendsFromTwoDescriptorsInterleaveWithoutLoss() throws Exception {
    Path f = mnt.resolve("log");
    StringBuilder expected = new StringBuilder();
    try (FileChannel one = FileChannel.open(f, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        FileChannel two = FileChannel.open(f, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      for (int i = 0; i < 2000; i++) {
        String line = (i % 2 == 0 ? "one " : "two ") + i + "\n";
        (i % 2 == 0 ? one : two).write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        expected.append(line);
      }
    }
    assertEquals(expected.toString(), Files.readString(f));
    remount();
    assertEquals(expected.toString(), Files.readString(f));
  }

  @Test
  void partialWritesThroughAWriteOnlyDescriptorKeepTheBytesAround() throws Exception {
    Path f = mnt.resolve("patch");
    byte[] base = new byte[3 * 4096 + 100];
    new Random(7).nextBytes(base);
    Files.write(f, base);
    remount(); // nothing of the file in the page cache: each partial page must be read first
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("-w--w--w-"));
    try (FileChannel w = FileChannel.open(f, StandardOpenOption.WRITE)) {
      w.write(ByteBuffer.wrap("XYZ".getBytes(StandardCharsets.US_ASCII)), 4095);
      w.write(ByteBuffer.wrap("tail".getBytes(StandardCharsets.US_ASCII)), base.length);
    }
    byte[] expected = Arrays.copyOf(base, base.length + 4);
    System.arraycopy("XYZ".getBytes(StandardCharsets.US_ASCII), 0, expected, 4095, 3);
    System.arraycopy("tail".getBytes(StandardCharsets.US_ASCII), 0, expected, base.length, 4);
    remount();
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertArrayEquals(expected, Files.readAllBytes(f));
  }

  @Test
  void sharedMappedWritesReachTheDisk() throws Exception {
    Path f = mnt.resolve("mapped");
    Files.write(f, new byte[64 * 1024]);
    // a program of its own: a JVM cannot unmap, and a live mapping keeps the mount busy
    String script = "import mmap, struct, sys\n"
        + "with open(sys.argv[1], 'r+b') as f:\n"
        + "    m = mmap.mmap(f.fileno(), 65536)\n"
        + "    for i in range(0, 65536, 4096):\n"
        + "        m[i:i + 4] = struct.pack('>i', i)\n"
        + "    m.flush()\n"
        + "    m.close()\n";
    Commands.run("python3", "-c", script, f.toString()).expect(0, "writes through mmap");
    remount();
    ByteBuffer back = ByteBuffer.wrap(Files.readAllBytes(f));
    for (int i = 0; i < 64 * 1024; i += 4096) {
      assertEquals(i, back.getInt(i), "page at " + i);
    }
  }

  @Test
  void renameat2FlagsReachTheFilesystem() throws Exception {
    Path a = Files.writeString(mnt.resolve("a"), "A");
    Path b = Files.writeString(mnt.resolve("b"), "B");
    Commands.Result noReplace = renameat2(a, b, 1);
    assertTrue(noReplace.output().contains("errno 17"), "RENAME_NOREPLACE over a name: EEXIST; "
        + noReplace.output());
    assertEquals("B", Files.readString(b));
    renameat2(a, b, 2).expect(0, "RENAME_EXCHANGE");
    assertEquals("B", Files.readString(a));
    assertEquals("A", Files.readString(b));
    renameat2(a, mnt.resolve("c"), 1).expect(0, "RENAME_NOREPLACE to a free name");
    assertFalse(Files.exists(a));
    assertEquals("B", Files.readString(mnt.resolve("c")));
  }

  /** renameat2(2) through glibc, as mv and the like call it; prints the errno on failure. */
  private static Commands.Result renameat2(Path from, Path to, int flags) throws Exception {
    String script = "import ctypes, os, sys\n"
        + "libc = ctypes.CDLL(None, use_errno=True)\n"
        + "r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(),"
        + " int(sys.argv[3]))\n"
        + "if r != 0:\n"
        + "    print('errno', ctypes.get_errno()); sys.exit(1)\n";
    return Commands.run("python3", "-c", script, from.toString(), to.toString(),
        Integer.toString(flags));
  }
}
