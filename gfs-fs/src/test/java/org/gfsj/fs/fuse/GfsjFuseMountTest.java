package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.gfsj.fs.GfsMount;
import org.gfsj.fs.TestFilesystems;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FUSE front through a real kernel mount, over the real filesystem on an image file made by
 * mkfs: what the kernel and libfuse ask, and whether programs see what they wrote. Mounts served
 * by separate mount.gfsj processes are tested in integration-tests.
 */
class GfsjFuseMountTest {
  @TempDir Path tmp;
  private GfsMount vfs;
  private InProcessMount mount;
  private Path root;

  @BeforeEach
  void mount() throws Exception {
    FuseAvailable.require();
    vfs = GfsMount.open(TestFilesystems.image(tmp, 64).toString(), TestFilesystems.mountOptions());
    root = Files.createDirectory(tmp.resolve("mnt"));
    mount = InProcessMount.start(vfs, root,
        new FuseOptions("image", false, true, false, false, false, FuseOptions.MAX_WRITE, 2048));
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      mount.close();
    }
    if (vfs != null) {
      vfs.close();
    }
  }

  @Test
  void theKernelReadsAheadAsTheOptionsSay() throws Exception {
    String device = FuseReadahead.deviceOf(root.toString(),
        Files.readAllLines(Path.of("/proc/self/mountinfo")));
    Path setting = Path.of("/sys/class/bdi", device, "read_ahead_kb");
    // set once the INIT reply is out, which may come after the mount shows up
    MountTable.await(() -> {
      try {
        return Files.readString(setting).trim().equals("2048");
      } catch (IOException e) {
        return false;
      }
    }, Duration.ofSeconds(10));
    assertEquals("2048", Files.readString(setting).trim(), "read_ahead_kb of the FUSE mount");
  }

  @Test
  void filesWrittenAreReadBackAppendedAndTruncated() throws Exception {
    byte[] data = new byte[1_000_000];
    new Random(7).nextBytes(data);
    Path f = root.resolve("data");
    Files.write(f, data);
    assertArrayEquals(data, Files.readAllBytes(f));
    Files.write(f, "tail".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    assertEquals(data.length + 4, Files.size(f));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(10);
    }
    assertEquals(10, Files.size(f));
    // the kernel sends RELEASE after close(2) has returned
    assertTrue(MountTable.await(() -> mount.fuse.openCount() == 0, Duration.ofSeconds(10)),
        "every open was released; still open: " + mount.fuse.openCount());
  }

  @Test
  void directoriesListEveryEntryOnceAcrossManyReaddirCalls() throws IOException {
    Path d = Files.createDirectory(root.resolve("many"));
    Set<String> made = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String name = "entry-with-a-longish-name-" + i;
      Files.createFile(d.resolve(name));
      made.add(name);
    }
    List<String> listed;
    try (Stream<Path> s = Files.list(d)) {
      listed = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
    assertEquals(made.size(), listed.size(), "no entry repeated or skipped");
    assertEquals(made, new HashSet<>(listed));
  }

  @Test
  void namesCanBeRenamedLinkedAndRemoved() throws IOException {
    Path a = Files.writeString(root.resolve("a"), "A");
    Path sub = Files.createDirectories(root.resolve("x/y"));
    Files.move(a, sub.resolve("b"));
    assertFalse(Files.exists(a));
    assertEquals("A", Files.readString(sub.resolve("b")));
    Files.createLink(root.resolve("hard"), sub.resolve("b"));
    assertEquals(2, Files.getAttribute(sub.resolve("b"), "unix:nlink"), "seen by the old name");
    assertEquals(2, Files.getAttribute(root.resolve("hard"), "unix:nlink"));
    assertEquals(Files.getAttribute(root.resolve("hard"), "unix:ino"),
        Files.getAttribute(sub.resolve("b"), "unix:ino"));
    Files.delete(root.resolve("hard"));
    assertEquals(1, Files.getAttribute(sub.resolve("b"), "unix:nlink"),
        "the other name's attributes are not stale");
    Files.createSymbolicLink(root.resolve("sym"), Path.of("x/y/b"));
    assertEquals(Path.of("x/y/b"), Files.readSymbolicLink(root.resolve("sym")));
    assertEquals("A", Files.readString(root.resolve("sym")));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(root.resolve("x")));
    Files.delete(sub.resolve("b"));
    Files.delete(sub);
    assertThrows(NoSuchFileException.class, () -> Files.readString(sub.resolve("b")));
  }

  @Test
  void attributesModesTimesAndXattrsGoThrough() throws IOException {
    Path f = Files.writeString(root.resolve("f"), "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    assertEquals("rw-r-----",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    FileTime t = FileTime.fromMillis(1_234_567_890_123L);
    Files.setLastModifiedTime(f, t);
    assertEquals(t, Files.getLastModifiedTime(f));
    UserDefinedFileAttributeView x = Files.getFileAttributeView(f,
        UserDefinedFileAttributeView.class);
    x.write("colour", StandardCharsets.UTF_8.encode("blue"));
    assertEquals(List.of("colour"), x.list());
    ByteBuffer v = ByteBuffer.allocate(x.size("colour"));
    x.read("colour", v);
    assertEquals("blue", new String(v.array(), StandardCharsets.UTF_8));
    x.delete("colour");
    assertEquals(List.of(), x.list());
  }

  @Test
  void anUnlinkedOpenFileStaysReadableThroughItsDescriptor() throws IOException {
    Path f = Files.writeString(root.resolve("gone"), "still here");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      Files.delete(f);
      assertFalse(Files.exists(f));
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      assertEquals("still here", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
    }
    try (Stream<Path> s = Files.list(root)) {
      assertEquals(0, s.count(), "hard_remove: no .fuse_hidden file is left");
    }
  }

  @Test
  void errorsReachProgramsAsTheirErrno() throws Exception {
    Path nested = root.resolve("missing/file");
    assertThrows(NoSuchFileException.class, () -> Files.writeString(nested, "x"));
    Process p = new ProcessBuilder("stat", root.resolve("nothing").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.waitFor());
    assertTrue(out.contains("No such file or directory"), out);
  }
}
