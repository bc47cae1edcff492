package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.junit.jupiter.api.Test;

class PathResolverTest {
  private final MemoryVfs vfs = new MemoryVfs();
  private final PathResolver paths = new PathResolver(vfs);
  private final Caller root = Caller.ROOT;

  @Test
  void resolvesEachComponentFromTheRoot() throws Exception {
    long a = vfs.mkdir(vfs.root(), "a", 0755, root).ino();
    long b = vfs.mkdir(a, "b", 0755, root).ino();
    long f = vfs.mknod(b, "f", 0100644, 0, root).ino();
    assertEquals(vfs.root(), paths.inode("/", root));
    assertEquals(f, paths.inode("/a/b/f", root));
    assertEquals(new PathResolver.Entry(b, "f"), paths.parentOf("/a/b/f", root));
    assertEquals(new PathResolver.Entry(vfs.root(), "a"), paths.parentOf("/a", root));
  }

  @Test
  void answersTheErrnoOfTheComponentThatFails() throws Exception {
    vfs.mknod(vfs.root(), "file", 0100644, 0, root);
    assertEquals(Errno.ENOENT,
        assertThrows(FsException.class, () -> paths.inode("/nope/x", root)).errno());
    assertEquals(Errno.ENOTDIR,
        assertThrows(FsException.class, () -> paths.inode("/file/x", root)).errno());
    assertEquals(Errno.ENOENT,
        assertThrows(FsException.class, () -> paths.parentOf("/nope/x", root)).errno());
    assertEquals(Errno.EBUSY,
        assertThrows(FsException.class, () -> paths.parentOf("/", root)).errno());
  }

  @Test
  void seesARenameAtOnceBecauseNothingIsCached() throws Exception {
    long d = vfs.mkdir(vfs.root(), "d", 0755, root).ino();
    long f = vfs.mknod(d, "f", 0100644, 0, root).ino();
    assertEquals(f, paths.inode("/d/f", root));
    vfs.rename(d, "f", vfs.root(), "g", 0, root);
    assertEquals(f, paths.inode("/g", root));
    assertThrows(FsException.class, () -> paths.inode("/d/f", root));
  }

  @Test
  void refusesPathsLibfuseNeverSends() {
    assertThrows(FsException.class, () -> PathResolver.components("relative"));
    assertThrows(FsException.class, () -> PathResolver.components("/a//b"));
    assertThrows(FsException.class, () -> PathResolver.components(null));
    assertArrayEquals(new String[] {"a", "b c"}, assertDoesNotThrow("/a/b c"));
  }

  private static String[] assertDoesNotThrow(String path) {
    try {
      return PathResolver.components(path);
    } catch (FsException e) {
      throw new AssertionError(e);
    }
  }
}
