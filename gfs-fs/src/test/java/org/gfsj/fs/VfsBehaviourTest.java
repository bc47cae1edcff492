package org.gfsj.fs;

import static org.gfsj.fs.TestFilesystems.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** What a program sees of files, directories, links, renames and permissions, through the Vfs. */
@Timeout(60)
class VfsBehaviourTest {
  private static final Caller ROOT = Caller.ROOT;
  private static final Caller ALICE = new Caller(1000, 1000, new int[] {50}, 1);
  private static final Caller BOB = new Caller(1001, 1001, new int[0], 2);

  @TempDir Path dir;
  private Path image;
  private GfsMount fs;
  private long root;

  @BeforeEach
  void mount() throws Exception {
    image = TestFilesystems.image(dir, 64);
    fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
    root = fs.root();
  }

  @AfterEach
  void unmount() throws Exception {
    fs.close();
  }

  private void remount() throws Exception {
    fs.close();
    fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
  }

  private static void fails(Errno errno, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(errno, e.errno(), e.getMessage());
  }

  private long file(long parent, String name, String contents, Caller who) throws Exception {
    Vfs.Created c = fs.create(parent, name, 0644, OpenFlags.O_WRONLY, who);
    fs.write(c.attributes().ino(), c.handle(), 0, bytes(contents), who);
    fs.release(c.attributes().ino(), c.handle());
    return c.attributes().ino();
  }

  private byte[] contents(long ino) throws Exception {
    ByteBuffer b = ByteBuffer.allocate((int) fs.getattr(ino).size());
    int n = fs.read(ino, Vfs.NO_HANDLE, 0, b);
    assertEquals(b.capacity(), n);
    return b.array();
  }

  private String text(long ino) throws Exception {
    return new String(contents(ino), java.nio.charset.StandardCharsets.UTF_8);
  }

  private List<String> places(long d) throws Exception {
    return fs.readdir(d, 0, 100_000, ROOT).stream().map(e -> e.name() + "@" + e.nextCookie())
        .toList();
  }

  private List<String> names(long d) throws Exception {
    return fs.readdir(d, 0, 100_000, ROOT).stream().map(DirectoryEntryView::name).toList();
  }

  @Test
  void directoriesCountLinksAndRefuseWhatLinuxRefuses() throws Exception {
    long a = fs.mkdir(root, "a", 0755, ROOT).ino();
    long b = fs.mkdir(a, "b", 0755, ROOT).ino();
    assertEquals(3, fs.getattr(root).nlink());
    assertEquals(3, fs.getattr(a).nlink());
    assertEquals(2, fs.getattr(b).nlink());
    assertEquals(a, fs.lookup(b, "..", ROOT).ino());
    long f = file(a, "f", "x", ROOT);
    fails(Errno.EEXIST, () -> fs.mkdir(root, "a", 0755, ROOT));
    fails(Errno.EEXIST, () -> fs.mknod(a, "f", 0100644, 0, ROOT));
    fails(Errno.ENOTEMPTY, () -> fs.rmdir(root, "a", ROOT));
    fails(Errno.ENOTDIR, () -> fs.rmdir(a, "f", ROOT));
    fails(Errno.EISDIR, () -> fs.unlink(a, "b", ROOT));
    fails(Errno.ENOTDIR, () -> fs.lookup(f, "x", ROOT));
    fails(Errno.ENAMETOOLONG, () -> fs.mkdir(root, "n".repeat(256), 0755, ROOT));
    fails(Errno.EINVAL, () -> fs.rmdir(a, ".", ROOT));
    fs.mkdir(root, "n".repeat(255), 0755, ROOT);
    fs.unlink(a, "f", ROOT);
    fs.rmdir(a, "b", ROOT);
    fs.rmdir(root, "a", ROOT);
    fails(Errno.ENOENT, () -> fs.lookup(root, "a", ROOT));
    fails(Errno.ESTALE, () -> fs.getattr(a));
    assertEquals(2, fs.getattr(root).nlink() - 1);
  }

  @Test
  void hardLinksShareTheInode() throws Exception {
    long f = file(root, "f", "shared", ROOT);
    fs.link(f, root, "g", ROOT);
    assertEquals(2, fs.getattr(f).nlink());
    fs.unlink(root, "f", ROOT);
    assertEquals(1, fs.lookup(root, "g", ROOT).nlink());
    assertEquals("shared", text(f));
    long d = fs.mkdir(root, "d", 0755, ROOT).ino();
    fails(Errno.EPERM, () -> fs.link(d, root, "d2", ROOT));
    fails(Errno.EEXIST, () -> fs.link(f, root, "d", ROOT));
  }

  @Test
  void symlinksHoldTheirTarget() throws Exception {
    Attributes s = fs.symlink(root, "s", "some/where", ROOT);
    assertEquals(FileType.SYMLINK, s.type());
    assertEquals("some/where", fs.readlink(s.ino(), ROOT));
    String longTarget = "x/".repeat(2000);
    long l = fs.symlink(root, "long", longTarget, ROOT).ino();
    remount();
    assertEquals(longTarget, fs.readlink(l, ROOT));
    long f = file(root, "f", "", ROOT);
    fails(Errno.EINVAL, () -> fs.readlink(f, ROOT));
    fails(Errno.ENAMETOOLONG, () -> fs.symlink(root, "t", "y".repeat(4096), ROOT));
  }

  @Test
  void renameReplacesAtomicallyAndFreesTheReplaced() throws Exception {
    long a = file(root, "a", "new", ROOT);
    long b = file(root, "b", "old", ROOT);
    long free = fs.statfs().freeBlocks();
    fs.rename(root, "a", root, "b", 0, ROOT);
    assertEquals(a, fs.lookup(root, "b", ROOT).ino());
    fails(Errno.ENOENT, () -> fs.lookup(root, "a", ROOT));
    fails(Errno.ESTALE, () -> fs.getattr(b));
    assertEquals(free + 1, fs.statfs().freeBlocks(), "the replaced file's dinode is freed");
    assertEquals("new", text(a));
  }

  @Test
  void renameFlagsAndDirectoryRules() throws Exception {
    long x = file(root, "x", "X", ROOT);
    long y = file(root, "y", "Y", ROOT);
    fails(Errno.EEXIST, () -> fs.rename(root, "x", root, "y", Vfs.RENAME_NOREPLACE, ROOT));
    fs.rename(root, "x", root, "y", Vfs.RENAME_EXCHANGE, ROOT);
    assertEquals(y, fs.lookup(root, "x", ROOT).ino());
    assertEquals(x, fs.lookup(root, "y", ROOT).ino());
    fails(Errno.ENOENT, () -> fs.rename(root, "x", root, "z", Vfs.RENAME_EXCHANGE, ROOT));

    long d1 = fs.mkdir(root, "d1", 0755, ROOT).ino();
    long d2 = fs.mkdir(d1, "d2", 0755, ROOT).ino();
    long e = fs.mkdir(root, "e", 0755, ROOT).ino();
    fails(Errno.EINVAL, () -> fs.rename(root, "d1", d2, "inside", 0, ROOT));
    fails(Errno.EINVAL, () -> fs.rename(root, "d1", d1, "self", 0, ROOT));
    fails(Errno.EISDIR, () -> fs.rename(root, "x", root, "e", 0, ROOT));
    fails(Errno.ENOTDIR, () -> fs.rename(root, "e", root, "x", 0, ROOT));
    fails(Errno.ENOTEMPTY, () -> fs.rename(root, "e", root, "d1", 0, ROOT));

    fs.rename(d1, "d2", e, "moved", 0, ROOT);
    assertEquals(e, fs.lookup(d2, "..", ROOT).ino());
    assertEquals(2, fs.getattr(d1).nlink());
    assertEquals(3, fs.getattr(e).nlink());
    fs.rename(root, "d1", e, "moved", 0, ROOT);
    assertEquals(d1, fs.lookup(e, "moved", ROOT).ino());
    fails(Errno.ESTALE, () -> fs.getattr(d2));
    assertEquals(3, fs.getattr(e).nlink());
    List<String> places = places(root);
    fs.rename(root, "x", e, "moved", Vfs.RENAME_EXCHANGE, ROOT);
    assertEquals(y, fs.lookup(e, "moved", ROOT).ino());
    assertEquals(root, fs.lookup(d1, "..", ROOT).ino());
    assertEquals(2, fs.getattr(e).nlink());
    remount();
    // Exchange swaps what the names point at; the names keep their places (readdir cookies).
    assertEquals(places, places(root));
    assertEquals(Set.of(".", "..", "x", "y", "e"), Set.copyOf(names(root)));
  }

  @Test
  void permissionsFollowOwnerGroupAndOther() throws Exception {
    long home = fs.mkdir(root, "home", 0755, ROOT).ino();
    fs.setattr(home, SetAttributes.owner(ALICE.uid(), ALICE.gid()), ROOT);
    long secret = file(home, "secret", "s", ALICE);
    fs.setattr(secret, SetAttributes.mode(0600), ALICE);
    fails(Errno.EACCES, () -> fs.open(secret, OpenFlags.O_RDONLY, BOB));
    fails(Errno.EACCES, () -> fs.create(home, "bobs", 0644, OpenFlags.O_WRONLY, BOB));
    fails(Errno.EPERM, () -> fs.setattr(secret, SetAttributes.mode(0666), BOB));
    fails(Errno.EPERM, () -> fs.setattr(secret, SetAttributes.owner(BOB.uid(), null), ALICE));
    fs.setattr(secret, SetAttributes.owner(null, 50), ALICE);
    fails(Errno.EPERM, () -> fs.setattr(secret, SetAttributes.owner(null, 77), ALICE));
    fs.setattr(secret, SetAttributes.mode(0640), ALICE);
    Caller groupMate = new Caller(1002, 1002, new int[] {50}, 3);
    fs.release(secret, fs.open(secret, OpenFlags.O_RDONLY, groupMate));
    fails(Errno.EACCES, () -> fs.open(secret, OpenFlags.O_WRONLY, groupMate));
    fs.release(secret, fs.open(secret, OpenFlags.O_RDWR, ROOT));
    fs.setattr(home, SetAttributes.mode(0700), ALICE);
    fails(Errno.EACCES, () -> fs.lookup(home, "secret", BOB));
    fails(Errno.EACCES, () -> fs.readdir(home, 0, 10, BOB));
    fs.access(secret, Vfs.R_OK | Vfs.W_OK, ALICE);
    fails(Errno.EACCES, () -> fs.access(secret, Vfs.X_OK, ALICE));
    fails(Errno.EACCES, () -> fs.access(secret, Vfs.X_OK, ROOT));
  }

  @Test
  void stickyAndSetgidDirectories() throws Exception {
    long tmp = fs.mkdir(root, "tmp", 01777, ROOT).ino();
    file(tmp, "alices", "a", ALICE);
    fails(Errno.EPERM, () -> fs.unlink(tmp, "alices", BOB));
    fails(Errno.EPERM, () -> fs.rename(tmp, "alices", tmp, "b", 0, BOB));
    fs.unlink(tmp, "alices", ALICE);

    long shared = fs.mkdir(root, "shared", 02775, ROOT).ino();
    fs.setattr(shared, SetAttributes.owner(null, 50), ROOT);
    long f = file(shared, "f", "", ALICE);
    assertEquals(50, fs.getattr(f).gid());
    Attributes sub = fs.mkdir(shared, "sub", 0755, ALICE);
    assertEquals(50, sub.gid());
    assertTrue((sub.mode() & 02000) != 0, "subdirectories inherit setgid");
  }

  @Test
  void truncateUpAndDown() throws Exception {
    byte[] data = new byte[3 * 4096 + 100];
    new Random(1).nextBytes(data);
    Vfs.Created c = fs.create(root, "t", 0644, OpenFlags.O_RDWR, ROOT);
    long t = c.attributes().ino();
    fs.write(t, c.handle(), 0, ByteBuffer.wrap(data), ROOT);
    fs.setattr(t, SetAttributes.size(5000), ROOT);
    assertEquals(5000, fs.getattr(t).size());
    fs.setattr(t, SetAttributes.size(20000), ROOT);
    byte[] got = contents(t);
    for (int i = 0; i < 20000; i++) {
      assertEquals(i < 5000 ? data[i] : 0, got[i], "byte " + i);
    }
    fs.setattr(t, SetAttributes.size(10), ROOT);
    fs.setattr(t, SetAttributes.size(0), ROOT);
    assertEquals(1, fs.getattr(t).blocks512() / 8, "an empty file keeps only its dinode");
    fs.write(t, c.handle(), 0, bytes("again"), ROOT);
    long append = fs.open(t, OpenFlags.O_WRONLY | OpenFlags.O_APPEND, ROOT);
    fs.write(t, append, 0, bytes("+more"), ROOT);
    assertEquals("again+more", text(t));
    fs.release(t, append);
    fs.release(t, c.handle());
    fails(Errno.EISDIR, () -> fs.setattr(root, SetAttributes.size(0), ROOT));
  }

  @Test
  void largeFilesReadBackAcrossRemount() throws Exception {
    byte[] data = new byte[5 * 1024 * 1024 + 123];
    new Random(2).nextBytes(data);
    Vfs.Created c = fs.create(root, "big", 0644, OpenFlags.O_WRONLY, ROOT);
    long big = c.attributes().ino();
    for (int off = 0; off < data.length; off += 128 * 1024) {
      int n = Math.min(128 * 1024, data.length - off);
      fs.write(big, c.handle(), off, ByteBuffer.wrap(data, off, n), ROOT);
    }
    fs.fsync(big, c.handle(), false);
    fs.release(big, c.handle());
    remount();
    assertArrayEquals(data, contents(big));
    ByteBuffer mid = ByteBuffer.allocate(10000);
    fs.read(big, Vfs.NO_HANDLE, 4000, mid);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 4000, 14000), mid.array());
  }

  @Test
  void sparseTerabyteFileCostsNothing() throws Exception {
    long tib = 1L << 40;
    Vfs.Created c = fs.create(root, "sparse", 0644, OpenFlags.O_RDWR, ROOT);
    long s = c.attributes().ino();
    long free = fs.statfs().freeBlocks();
    fs.write(s, c.handle(), 0, bytes("head"), ROOT);
    fs.write(s, c.handle(), tib - 4, bytes("tail"), ROOT);
    fs.release(s, c.handle());
    remount();
    Attributes a = fs.getattr(s);
    assertEquals(tib, a.size());
    long taken = free - fs.statfs().freeBlocks();
    assertTrue(taken <= 2, "two data blocks for a 1 TiB file (the head, unstuffed, and the tail),"
        + " not " + taken);
    ByteBuffer tail = ByteBuffer.allocate(8);
    fs.read(s, Vfs.NO_HANDLE, tib - 8, tail);
    assertArrayEquals(new byte[] {0, 0, 0, 0, 't', 'a', 'i', 'l'}, tail.array());
    ByteBuffer hole = ByteBuffer.allocate(4096);
    fs.read(s, Vfs.NO_HANDLE, tib / 2, hole);
    assertArrayEquals(new byte[4096], hole.array());
  }

  @Test
  void fragmentedFilesSpillIntoExtentBlocks() throws Exception {
    Vfs.Created c = fs.create(root, "frag", 0644, OpenFlags.O_RDWR, ROOT);
    long f = c.attributes().ino();
    int blocks = 500;
    for (int i = 0; i < blocks; i++) {
      fs.write(f, c.handle(), 2L * i * 4096, bytes("block " + i), ROOT);
      // A file made in between takes the block after this one, so no two extents merge.
      file(root, "gap" + i, "g".repeat(4000), ROOT);
      fs.setattr(fs.lookup(root, "gap" + i, ROOT).ino(), SetAttributes.size(5000), ROOT);
    }
    fs.release(f, c.handle());
    remount();
    for (int i = 0; i < blocks; i++) {
      ByteBuffer b = ByteBuffer.allocate(("block " + i).length());
      fs.read(f, Vfs.NO_HANDLE, 2L * i * 4096, b);
      assertEquals("block " + i, new String(b.array()));
    }
    long free = fs.statfs().freeBlocks();
    fs.unlink(root, "frag", ROOT);
    assertTrue(fs.statfs().freeBlocks() >= free + blocks + 2, "data and extent blocks freed");
  }

  @Test
  void manyEntriesAcrossLeavesWithStableCookies() throws Exception {
    long d = fs.mkdir(root, "many", 0755, ROOT).ino();
    int n = 3000;
    for (int i = 0; i < n; i++) {
      fs.mknod(d, "entry-" + i, 0100644, 0, ROOT);
    }
    // Resume a listing in small steps while entries come and go around the cookie: the last one
    // listed, one far ahead, and a new one. Every entry present from start to end is seen once.
    Set<String> seen = new HashSet<>();
    Set<String> removed = new HashSet<>();
    long cookie = 0;
    int step = 0;
    while (true) {
      List<DirectoryEntryView> page = fs.readdir(d, cookie, 97, ROOT);
      if (page.isEmpty()) {
        break;
      }
      for (DirectoryEntryView e : page) {
        assertTrue(seen.add(e.name()), "twice: " + e.name());
      }
      DirectoryEntryView last = page.get(page.size() - 1);
      cookie = last.nextCookie();
      for (String victim : List.of(last.name(), "entry-" + (n - 1 - step))) {
        if (victim.startsWith("entry-") && removed.add(victim)) {
          fs.unlink(d, victim, ROOT);
        }
      }
      fs.mknod(d, "late-" + step, 0100644, 0, ROOT);
      step++;
    }
    for (int i = 0; i < n; i++) {
      String name = "entry-" + i;
      assertTrue(removed.contains(name) || seen.contains(name), "missed " + name);
    }
    remount();
    for (int i = 0; i < n; i += 7) {
      String name = "entry-" + i;
      if (removed.contains(name)) {
        fails(Errno.ENOENT, () -> fs.lookup(d, name, ROOT));
      } else {
        assertEquals(FileType.REGULAR, fs.lookup(d, name, ROOT).type());
      }
    }
    assertEquals(2 + n - removed.size() + step, names(d).size());
    for (String name : names(d)) {
      if (!name.startsWith(".")) {
        fs.unlink(d, name, ROOT);
      }
    }
    fs.rmdir(root, "many", ROOT);
  }

  @Test
  void unlinkedButOpenFilesStayReadableUntilRelease() throws Exception {
    byte[] data = new byte[50_000];
    new Random(3).nextBytes(data);
    Vfs.Created c = fs.create(root, "doomed", 0644, OpenFlags.O_RDWR, ROOT);
    long f = c.attributes().ino();
    fs.write(f, c.handle(), 0, ByteBuffer.wrap(data), ROOT);
    long free = fs.statfs().freeBlocks();
    fs.unlink(root, "doomed", ROOT);
    assertEquals(0, fs.getattr(f).nlink());
    assertEquals(free, fs.statfs().freeBlocks(), "still allocated while open");
    assertArrayEquals(data, contents(f));
    fs.release(f, c.handle());
    assertTrue(fs.statfs().freeBlocks() > free + 12, "freed at the last release");
    fails(Errno.ESTALE, () -> fs.getattr(f));
  }

  @Test
  void anInodeUnlinkedWhileOpenIsFreedByTheNextMountAfterACrash() throws Exception {
    long free = fs.statfs().freeBlocks();
    Vfs.Created c = fs.create(root, "orphan", 0644, OpenFlags.O_RDWR, ROOT);
    long f = c.attributes().ino();
    fs.write(f, c.handle(), 0, ByteBuffer.wrap(new byte[40_000]), ROOT);
    fs.unlink(root, "orphan", ROOT);
    fs.sync();
    // The node dies with the file open: copy the image as the crash leaves it.
    Path crashed = dir.resolve("crashed.img");
    java.nio.file.Files.copy(image, crashed);
    fs.close();
    fs = GfsMount.open(crashed.toString(), TestFilesystems.mountOptions());
    assertEquals(free, fs.statfs().freeBlocks(), "the orphan's blocks are free again");
    fails(Errno.ESTALE, () -> fs.getattr(f));
  }

  @Test
  void fullFilesystemSaysEnospcAndRecoversAfterDeletes() throws Exception {
    byte[] chunk = new byte[256 * 1024];
    int files = 0;
    boolean full = false;
    while (!full) {
      Vfs.Created c = fs.create(root, "fill" + files, 0644, OpenFlags.O_WRONLY, ROOT);
      files++;
      try {
        for (int i = 0; i < 16; i++) {
          fs.write(c.attributes().ino(), c.handle(), (long) i * chunk.length,
              ByteBuffer.wrap(chunk), ROOT);
        }
      } catch (FsException e) {
        assertEquals(Errno.ENOSPC, e.errno());
        full = true;
      }
      fs.release(c.attributes().ino(), c.handle());
    }
    assertTrue(fs.statfs().freeBlocks() < 64);
    fails(Errno.ENOSPC, () -> fs.write(fs.lookup(root, "fill0", ROOT).ino(), Vfs.NO_HANDLE,
        1L << 30, ByteBuffer.wrap(chunk), ROOT));
    for (int i = 0; i < files; i += 2) {
      fs.unlink(root, "fill" + i, ROOT);
    }
    long again = file(root, "again", "x", ROOT);
    fs.write(again, Vfs.NO_HANDLE, 0, ByteBuffer.wrap(new byte[4 << 20]), ROOT);
    remount();
    assertEquals(4 << 20, fs.getattr(again).size());
  }

  @Test
  void fallocateReservesPunchesAndZeroes() throws Exception {
    long f = file(root, "fa", "", ROOT);
    long free = fs.statfs().freeBlocks();
    fs.fallocate(f, 0, 0, 1 << 20, ROOT);
    assertEquals(1 << 20, fs.getattr(f).size());
    assertEquals(free - 256, fs.statfs().freeBlocks(), "1 MiB reserved");
    fs.fallocate(f, Vfs.FALLOC_KEEP_SIZE, 1 << 20, 1 << 20, ROOT);
    assertEquals(1 << 20, fs.getattr(f).size(), "KEEP_SIZE keeps the size");
    byte[] ones = new byte[3 * 4096];
    Arrays.fill(ones, (byte) 1);
    fs.write(f, Vfs.NO_HANDLE, 0, ByteBuffer.wrap(ones), ROOT);
    long before = fs.statfs().freeBlocks();
    fs.fallocate(f, Vfs.FALLOC_PUNCH_HOLE | Vfs.FALLOC_KEEP_SIZE, 100, 2 * 4096, ROOT);
    assertEquals(before + 1, fs.statfs().freeBlocks(), "the one whole block is freed");
    byte[] got = contents(f);
    for (int i = 0; i < ones.length; i++) {
      assertEquals(i >= 100 && i < 100 + 2 * 4096 ? 0 : 1, got[i], "byte " + i);
    }
    fs.fallocate(f, Vfs.FALLOC_ZERO_RANGE, 0, 50, ROOT);
    assertEquals(0, contents(f)[49]);
    fails(Errno.EOPNOTSUPP, () -> fs.fallocate(f, Vfs.FALLOC_COLLAPSE_RANGE, 0, 4096, ROOT));
    fails(Errno.EINVAL, () -> fs.fallocate(f, Vfs.FALLOC_PUNCH_HOLE, 0, 4096, ROOT));
  }

  @Test
  void fallocatedBlocksReadAsZerosWhateverTheyHeldAndTakeWritesAnywhere() throws Exception {
    byte[] old = new byte[1 << 20];
    Arrays.fill(old, (byte) 7);
    long gone = file(root, "gone", "", ROOT);
    fs.write(gone, Vfs.NO_HANDLE, 0, ByteBuffer.wrap(old), ROOT);
    fs.unlink(root, "gone", ROOT);
    long f = file(root, "fresh", "", ROOT);
    long free = fs.statfs().freeBlocks();
    fs.fallocate(f, 0, 0, 1 << 20, ROOT);
    assertEquals(free - 256, fs.statfs().freeBlocks(), "the blocks the old file left, most likely");
    assertArrayEquals(new byte[1 << 20], contents(f), "allocated blocks show nothing they held");
    byte[] mid = "in the middle".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    fs.write(f, Vfs.NO_HANDLE, 5000, ByteBuffer.wrap(mid), ROOT);
    fs.write(f, Vfs.NO_HANDLE, 3 * 4096, ByteBuffer.wrap(new byte[] {1, 2, 3}), ROOT);
    remount();
    byte[] want = new byte[1 << 20];
    System.arraycopy(mid, 0, want, 5000, mid.length);
    want[3 * 4096] = 1;
    want[3 * 4096 + 1] = 2;
    want[3 * 4096 + 2] = 3;
    assertArrayEquals(want, contents(f), "written bytes, zeros around them in their blocks");
    assertEquals(free - 256, fs.statfs().freeBlocks(), "writes into allocated blocks take no more");
  }

  /**
   * Random small writes into a fallocated file (what fio lays out) convert whole aligned runs,
   * so the block map stays small: split at every write, 1,500 writes would need about twenty
   * extent blocks, and enough of them more extents than the map holds (EFBIG).
   */
  @Test
  void randomWritesIntoAFallocatedFileKeepItsMapSmall() throws Exception {
    long f = file(root, "laid-out", "", ROOT);
    int size = 16 << 20;
    fs.fallocate(f, 0, 0, size, ROOT);
    long free = fs.statfs().freeBlocks();
    java.util.Random r = new java.util.Random(42);
    byte[] want = new byte[size];
    for (int i = 0; i < 1500; i++) {
      int at = r.nextInt(size / 4096) * 4096;
      byte[] page = new byte[4096];
      r.nextBytes(page);
      System.arraycopy(page, 0, want, at, page.length);
      fs.write(f, Vfs.NO_HANDLE, at, ByteBuffer.wrap(page), ROOT);
    }
    assertTrue(free - fs.statfs().freeBlocks() <= 1,
        (free - fs.statfs().freeBlocks()) + " blocks taken by the map");
    remount();
    assertArrayEquals(want, contents(f));
  }

  @Test
  void zeroRangeKeepsTheBlocksAndPreallocatesItsHoles() throws Exception {
    byte[] ones = new byte[8 * 4096];
    Arrays.fill(ones, (byte) 1);
    long f = file(root, "z", "", ROOT);
    fs.write(f, Vfs.NO_HANDLE, 0, ByteBuffer.wrap(ones), ROOT);
    fs.fallocate(f, Vfs.FALLOC_PUNCH_HOLE | Vfs.FALLOC_KEEP_SIZE, 6 * 4096, 2 * 4096, ROOT);
    long free = fs.statfs().freeBlocks();
    fs.fallocate(f, Vfs.FALLOC_ZERO_RANGE, 100, 9 * 4096, ROOT);
    assertEquals(100 + 9 * 4096, fs.getattr(f).size(), "ZERO_RANGE without KEEP_SIZE grows");
    assertEquals(free - 2 - 2, fs.statfs().freeBlocks(),
        "the punched hole and the growth get blocks; none of the written ones is freed");
    remount();
    byte[] got = contents(f);
    for (int i = 0; i < got.length; i++) {
      assertEquals(i < 100 ? 1 : 0, got[i], "byte " + i);
    }
  }

  /**
   * posix_fallocate(3) on a descriptor is allowed by how it was opened, as write(2) is: a file
   * created with mode 0 takes it through its O_RDWR handle (pjdfstest posix_fallocate/00).
   */
  @Test
  void fallocateThroughAHandleNeedsTheHandleOpenForWritingNotTheMode() throws Exception {
    long shared = fs.mkdir(root, "shared", 0777, ROOT).ino();
    Vfs.Created c = fs.create(shared, "mode0", 0, OpenFlags.O_RDWR, BOB);
    long f = c.attributes().ino();
    fs.fallocate(f, c.handle(), 0, 0, 1, BOB);
    assertEquals(1, fs.getattr(f).size());
    fails(Errno.EACCES, () -> fs.fallocate(f, 0, 0, 2, BOB));
    fs.release(f, c.handle());

    fs.setattr(f, SetAttributes.mode(0644), BOB);
    long readOnly = fs.open(f, OpenFlags.O_RDONLY, BOB);
    fails(Errno.EBADF, () -> fs.fallocate(f, readOnly, 0, 0, 2, BOB));
    fs.release(f, readOnly);
    assertEquals(1, fs.getattr(f).size());
  }

  @Test
  void extendedAttributesByNamespace() throws Exception {
    long f = file(root, "x", "", ROOT);
    fs.setattr(f, SetAttributes.owner(ALICE.uid(), ALICE.gid()), ROOT);
    long free = fs.statfs().freeBlocks();
    fs.setxattr(f, "user.colour", bytes("blue").array(), 0, ALICE);
    fs.setxattr(f, "trusted.secret", bytes("t").array(), 0, ROOT);
    fs.setxattr(f, "security.label", bytes("s").array(), 0, ROOT);
    fails(Errno.EEXIST, () -> fs.setxattr(f, "user.colour", new byte[1], Vfs.XATTR_CREATE, ALICE));
    fails(Errno.ENODATA, () -> fs.setxattr(f, "user.none", new byte[1], Vfs.XATTR_REPLACE,
        ALICE));
    fails(Errno.EACCES, () -> fs.setxattr(f, "user.colour", new byte[1], 0, BOB));
    fails(Errno.EPERM, () -> fs.setxattr(f, "trusted.x", new byte[1], 0, ALICE));
    fails(Errno.EOPNOTSUPP, () -> fs.setxattr(f, "other.x", new byte[1], 0, ROOT));
    assertEquals(List.of("security.label", "user.colour"), fs.listxattr(f, ALICE));
    assertEquals(List.of("security.label", "trusted.secret", "user.colour"),
        fs.listxattr(f, ROOT));
    fails(Errno.ENODATA, () -> fs.getxattr(f, "trusted.secret", ALICE));
    remount();
    assertEquals("blue", new String(fs.getxattr(f, "user.colour", BOB)));
    fs.removexattr(f, "user.colour", ALICE);
    fails(Errno.ENODATA, () -> fs.getxattr(f, "user.colour", ALICE));
    fs.removexattr(f, "trusted.secret", ROOT);
    fs.removexattr(f, "security.label", ROOT);
    assertEquals(free, fs.statfs().freeBlocks(), "the attribute block is freed with the last one");
    fs.setxattr(f, "user.big", new byte[3000], 0, ALICE);
    fails(Errno.ENOSPC, () -> fs.setxattr(f, "user.bigger", new byte[3000], 0, ALICE));
    fs.unlink(root, "x", ROOT);
    assertEquals(free + 1, fs.statfs().freeBlocks(), "freed with its inode");
  }

  @Test
  void aReadUnderRelatimeSetsTheAccessTimeDurably() throws Exception {
    long f = file(root, "f", "x", ROOT);
    fs.setattr(f, SetAttributes.times(1_000_000_000L, 2_000_000_000L), ROOT);
    contents(f); // the atime is older than the mtime: relatime sets it
    long atime = fs.getattr(f).atimeNanos();
    assertTrue(atime > 2_000_000_000L, "atime " + atime);
    remount();
    assertEquals(atime, fs.getattr(f).atimeNanos(), "the read's atime was committed");
    contents(f);
    assertEquals(atime, fs.getattr(f).atimeNanos(), "newer than the mtime: left alone");
  }

  @Test
  void timesChangeAsPosixSays() throws Exception {
    long f = file(root, "f", "x", ROOT);
    fs.setattr(f, SetAttributes.owner(ALICE.uid(), ALICE.gid()), ROOT);
    Attributes before = fs.getattr(f);
    fs.setattr(f, SetAttributes.times(1_000_000_123L, 2_000_000_456L), ALICE);
    Attributes a = fs.getattr(f);
    assertEquals(1_000_000_123L, a.atimeNanos());
    assertEquals(2_000_000_456L, a.mtimeNanos());
    assertTrue(a.ctimeNanos() >= before.ctimeNanos());
    fails(Errno.EPERM, () -> fs.setattr(f, SetAttributes.times(1L, 1L), BOB));
    fs.setattr(f, SetAttributes.mode(0666), ALICE);
    fs.setattr(f, SetAttributes.times(SetAttributes.NOW, SetAttributes.NOW), BOB);
    assertTrue(fs.getattr(f).mtimeNanos() > 2_000_000_456L);
    remount();
    assertFalse(fs.getattr(f).mtimeNanos() == 2_000_000_456L);
  }
}
