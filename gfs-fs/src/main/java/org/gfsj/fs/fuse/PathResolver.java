package org.gfsj.fs.fuse;

import java.io.IOException;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.Vfs;

/**
 * Turns the absolute paths of libfuse's high-level API into inode numbers, one {@link Vfs#lookup}
 * per component with the caller's credentials.
 *
 * <p>There is deliberately no path cache: mounted without {@code default_permissions}, the kernel
 * leaves search permission to us, and every lookup checks x on its directory for this caller. A
 * cache of path to inode would skip those checks (or have to repeat them with {@link Vfs#access},
 * which costs what a lookup costs), and would have to be invalidated exactly on every rename and
 * unlink, also those made by other nodes of the cluster through their own mounts.
 */
final class PathResolver {
  private final Vfs vfs;

  PathResolver(Vfs vfs) {
    this.vfs = vfs;
  }

  /** The attributes of the inode {@code path} names. */
  Attributes resolve(String path, Caller caller) throws IOException {
    String[] parts = components(path);
    if (parts.length == 0) {
      return vfs.getattr(vfs.root());
    }
    long dir = vfs.root();
    Attributes found = null;
    for (String name : parts) {
      found = vfs.lookup(dir, name, caller);
      dir = found.ino();
    }
    return found;
  }

  /** The inode number {@code path} names. */
  long inode(String path, Caller caller) throws IOException {
    return components(path).length == 0 ? vfs.root() : resolve(path, caller).ino();
  }

  /** The directory that holds the last component of {@code path}, and that component. */
  Entry parentOf(String path, Caller caller) throws IOException {
    String[] parts = components(path);
    if (parts.length == 0) {
      // the root has no name in a parent: renaming or removing it is what Linux refuses with EBUSY
      throw new FsException(Errno.EBUSY, "the root directory has no parent entry");
    }
    long dir = vfs.root();
    for (int i = 0; i < parts.length - 1; i++) {
      dir = vfs.lookup(dir, parts[i], caller).ino();
    }
    return new Entry(dir, parts[parts.length - 1]);
  }

  /** A name in a directory. */
  record Entry(long dir, String name) {}

  static String[] components(String path) throws FsException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      throw new FsException(Errno.EINVAL, "libfuse passed a path that is not absolute: " + path);
    }
    if (path.length() == 1) {
      return new String[0];
    }
    String[] parts = path.substring(1).split("/", -1);
    for (String p : parts) {
      if (p.isEmpty()) {
        throw new FsException(Errno.EINVAL, "empty component in path " + path);
      }
    }
    return parts;
  }
}
