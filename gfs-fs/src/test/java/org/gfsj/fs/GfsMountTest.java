package org.gfsj.fs;

import static org.gfsj.fs.TestFilesystems.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.DeviceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mount, the root directory and small files through the Vfs, on an image file made by Mkfs. */
class GfsMountTest {
  private static final Caller ROOT = Caller.ROOT;

  @TempDir Path dir;

  static String read(Vfs fs, long ino) throws Exception {
    ByteBuffer b = ByteBuffer.allocate((int) fs.getattr(ino).size() + 16);
    int n = fs.read(ino, Vfs.NO_HANDLE, 0, b);
    return new String(b.array(), 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void freshRootHoldsDotAndDotDot() throws Exception {
    Path img = TestFilesystems.image(dir, 64);
    try (GfsMount fs = GfsMount.open(img.toString(), TestFilesystems.mountOptions())) {
      Attributes root = fs.getattr(fs.root());
      assertTrue(root.isDirectory());
      assertEquals(2, root.nlink());
      List<DirectoryEntryView> entries = fs.readdir(fs.root(), 0, 100, ROOT);
      assertEquals(List.of(".", ".."), entries.stream().map(DirectoryEntryView::name).toList());
      assertEquals(fs.root(), fs.lookup(fs.root(), "..", ROOT).ino());
      FsException e = assertThrows(FsException.class, () -> fs.lookup(fs.root(), "nope", ROOT));
      assertEquals(Errno.ENOENT, e.errno());
    }
  }

  @Test
  void smallFilesSurviveRemount() throws Exception {
    Path img = TestFilesystems.image(dir, 64);
    long ino;
    try (GfsMount fs = GfsMount.open(img.toString(), TestFilesystems.mountOptions())) {
      Vfs.Created c = fs.create(fs.root(), "hello.txt", 0644, OpenFlags.O_RDWR, ROOT);
      ino = c.attributes().ino();
      assertEquals(5, fs.write(ino, c.handle(), 0, bytes("hello"), ROOT));
      assertEquals(6, fs.write(ino, c.handle(), 5, bytes(" world"), ROOT));
      fs.release(ino, c.handle());
      assertEquals("hello world", read(fs, ino));
      assertEquals(FileType.REGULAR, fs.lookup(fs.root(), "hello.txt", ROOT).type());
    }
    try (FileSystemReader r = FileSystemReader.open(img.toString(), DeviceOptions.defaults())) {
      assertTrue(r.journalIndex().stream().allMatch(j -> {
        try {
          return !new org.gfsj.journal.log.JournalReplayer(r.journal(j)).needsReplay();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }), "unmount leaves every journal clean");
    }
    try (GfsMount fs = GfsMount.open(img.toString(), TestFilesystems.mountOptions())) {
      Attributes a = fs.lookup(fs.root(), "hello.txt", ROOT);
      assertEquals(ino, a.ino());
      assertEquals(11, a.size());
      assertEquals("hello world", read(fs, ino));
      assertEquals(List.of(".", "..", "hello.txt"), fs.readdir(fs.root(), 0, 100, ROOT).stream()
          .map(DirectoryEntryView::name).toList());
    }
  }

  @Test
  void readOnlyMountRefusesChanges() throws Exception {
    Path img = TestFilesystems.image(dir, 64);
    try (GfsMount fs = GfsMount.open(img.toString(),
        TestFilesystems.mountOptions().withReadOnly(true))) {
      FsException e = assertThrows(FsException.class,
          () -> fs.mkdir(fs.root(), "d", 0755, ROOT));
      assertEquals(Errno.EROFS, e.errno());
      assertArrayEquals(new String[] {".", ".."}, fs.readdir(fs.root(), 0, 10, ROOT).stream()
          .map(DirectoryEntryView::name).toArray());
    }
  }
}
