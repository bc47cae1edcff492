package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A freshly made GFSJ image mounted with mount.gfsj and used the way programs use a filesystem:
 * java.nio and the standard tools, then unmounted, remounted and read again.
 */
class FuseMountTest {
  @TempDir Path tmp;
  @RegisterExtension final MountedImage fs = new MountedImage();
  private Path image;
  private Path mnt;

  @BeforeEach
  void paths() {
    image = fs.image();
    mnt = fs.mnt();
  }

  private void remount() throws Exception {
    fs.unmount();
    assertTrue(Commands.gfsTool("journals", image.toString()).expect(0, "gfs-tool journals")
        .output().lines().skip(1).allMatch(l -> l.endsWith("clean")),
        "every journal is clean after umount");
    fs.mount();
  }

  @Test
  void filesKeepTheirBytesAcrossWritesAppendsTruncatesAndARemount() throws Exception {
    byte[] data = new byte[3_000_000];
    new Random(1).nextBytes(data);
    Path f = mnt.resolve("data.bin");
    Files.write(f, data);
    Files.write(f, "end".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 5_000_000); // a hole, then three bytes
    }
    Path small = Files.writeString(mnt.resolve("small"), "0123456789");
    try (FileChannel ch = FileChannel.open(small, StandardOpenOption.WRITE)) {
      ch.truncate(4);
    }
    remount();
    byte[] back = Files.readAllBytes(f);
    assertEquals(5_000_003, back.length);
    assertArrayEquals(data, java.util.Arrays.copyOf(back, data.length));
    assertEquals("end", new String(back, data.length, 3, StandardCharsets.US_ASCII));
    assertEquals(0, back[4_000_000], "the hole reads as zeros");
    assertEquals(3, back[5_000_002]);
    assertEquals("0123", Files.readString(small));
  }

  @Test
  void namesBehaveAsOnALocalFilesystem() throws Exception {
    Path dir = Files.createDirectories(mnt.resolve("a/b/c"));
    Path f = Files.writeString(dir.resolve("f"), "F");
    Files.move(f, mnt.resolve("a/g"));
    assertFalse(Files.exists(f));
    Files.writeString(mnt.resolve("other"), "O");
    Files.move(mnt.resolve("other"), mnt.resolve("a/g"), StandardCopyOption.REPLACE_EXISTING);
    assertEquals("O", Files.readString(mnt.resolve("a/g")));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(dir));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(mnt.resolve("a")));
    Files.createLink(mnt.resolve("hard"), mnt.resolve("a/g"));
    Files.createSymbolicLink(mnt.resolve("sym"), Path.of("a/g"));
    Files.setPosixFilePermissions(mnt.resolve("hard"), PosixFilePermissions.fromString("rwx------"));
    FileTime t = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(mnt.resolve("a/g"), t);
    Set<String> before = tree();
    remount();
    assertEquals(before, tree());
    assertEquals("O", Files.readString(mnt.resolve("sym")));
    assertEquals(Path.of("a/g"), Files.readSymbolicLink(mnt.resolve("sym")));
    assertEquals(2, Files.getAttribute(mnt.resolve("hard"), "unix:nlink"));
    assertEquals(Files.getAttribute(mnt.resolve("hard"), "unix:ino"),
        Files.getAttribute(mnt.resolve("a/g"), "unix:ino"));
    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(mnt.resolve("a/g"))));
    assertEquals(t, Files.getLastModifiedTime(mnt.resolve("a/g")));
    Files.delete(mnt.resolve("hard"));
    assertEquals(1, Files.getAttribute(mnt.resolve("a/g"), "unix:nlink"));
    Files.delete(dir);
    assertThrows(NoSuchFileException.class, () -> Files.readString(dir.resolve("f")));
  }

  @Test
  void standardToolsCopyArchiveFindAndStat() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/sub"));
    for (int i = 0; i < 50; i++) {
      Files.writeString(src.resolve("file" + i), "content " + i + "\n".repeat(i * 100));
    }
    Files.createSymbolicLink(src.resolve("link"), Path.of("file7"));
    Path tar = tmp.resolve("src.tar");
    Commands.run("tar", "cf", tar.toString(), "-C", tmp.toString(), "src").expect(0, "tar c");
    Commands.run("tar", "xf", tar.toString(), "-C", mnt.toString()).expect(0, "tar x");
    Commands.run("cp", "-a", mnt.resolve("src").toString(), mnt.resolve("copy").toString())
        .expect(0, "cp -a");
    Commands.run("mv", mnt.resolve("copy").toString(), mnt.resolve("moved").toString())
        .expect(0, "mv");
    Commands.run("ln", "-s", "moved/sub/file3", mnt.resolve("lnk").toString()).expect(0, "ln -s");
    Commands.run("diff", "-r", src.getParent().toString(), mnt.resolve("src").toString())
        .expect(0, "diff -r of the unpacked tree");
    Commands.run("diff", "-r", mnt.resolve("src").toString(), mnt.resolve("moved").toString())
        .expect(0, "diff -r of the copy");
    String found = Commands.run("find", mnt.toString(), "-name", "file4", "-type", "f")
        .expect(0, "find").output();
    assertEquals(2, found.lines().count(), found); // in src and in moved
    String stat = Commands.run("stat", "-L", "-c", "%s %F", mnt.resolve("lnk").toString())
        .expect(0, "stat").output().trim();
    assertEquals(Files.size(src.resolve("file3")) + " regular file", stat);
  }

  @Test
  void extendedAttributesAndUnlinkedOpenFilesGoThroughTheCore() throws Exception {
    Path f = Files.writeString(mnt.resolve("tagged"), "x");
    java.nio.file.attribute.UserDefinedFileAttributeView x = Files.getFileAttributeView(f,
        java.nio.file.attribute.UserDefinedFileAttributeView.class);
    x.write("colour", StandardCharsets.UTF_8.encode("blue"));
    x.write("size", StandardCharsets.UTF_8.encode("large"));
    x.delete("size");
    Path gone = Files.writeString(mnt.resolve("gone"), "read after unlink");
    try (FileChannel ch = FileChannel.open(gone, StandardOpenOption.READ)) {
      Files.delete(gone);
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      assertEquals("read after unlink", new String(b.array(), 0, b.position(),
          StandardCharsets.UTF_8));
    }
    remount();
    x = Files.getFileAttributeView(mnt.resolve("tagged"),
        java.nio.file.attribute.UserDefinedFileAttributeView.class);
    assertEquals(List.of("colour"), x.list());
    ByteBuffer v = ByteBuffer.allocate(x.size("colour"));
    x.read("colour", v);
    assertEquals("blue", new String(v.array(), StandardCharsets.UTF_8));
    assertFalse(Files.exists(mnt.resolve("gone")));
  }

  @Test
  void gfsToolDfShowsWhatStatfsAnswers() throws Exception {
    Files.write(mnt.resolve("ten-mib"), new byte[10 << 20]);
    String df = Commands.gfsTool("df", mnt.toString()).expect(0, "gfs-tool df").output();
    java.nio.file.FileStore store = Files.getFileStore(mnt);
    long blockSize = Long.parseLong(df.lines().filter(l -> l.contains("block size"))
        .findFirst().orElseThrow().replaceAll("\\D", ""));
    String[] data = df.lines().filter(l -> l.trim().startsWith("data")).findFirst().orElseThrow()
        .trim().split("\\s+");
    assertEquals(store.getTotalSpace(), Long.parseLong(data[1]) * blockSize, df);
    assertTrue(Long.parseLong(data[2]) * blockSize >= 10 << 20, "the 10 MiB file is counted: "
        + df);
    assertTrue(df.startsWith(mnt + " (" + image + "):"), df);
    assertEquals(1, Commands.gfsTool("df", tmp.toString()).status(), "not a GFSJ mount");
  }

  private Set<String> tree() throws Exception {
    try (Stream<Path> s = Files.walk(mnt)) {
      return s.map(p -> mnt.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void aLargeDirectoryListsEveryNameOnce() throws Exception {
    Path d = Files.createDirectory(mnt.resolve("big"));
    Set<String> made = new TreeSet<>();
    for (int i = 0; i < 3000; i++) {
      String n = "name-" + i;
      Files.createFile(d.resolve(n));
      made.add(n);
    }
    List<String> listed;
    try (Stream<Path> s = Files.list(d)) {
      listed = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
    assertEquals(made.size(), listed.size(), "no name twice");
    assertEquals(made, new TreeSet<>(listed));
  }
}
