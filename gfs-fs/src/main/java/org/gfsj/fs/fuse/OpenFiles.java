package org.gfsj.fs.fuse;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * The files and directories the kernel holds open, by the number stored in {@code fuse_file_info.fh}.
 * Operations on an open file go to the inode recorded here, not to the path libfuse passes: the
 * path may name another inode after a rename, or be null once the file is unlinked (hard_remove).
 */
final class OpenFiles {
  /** One open of an inode: the Vfs handle and the open(2) flags it was opened with. */
  record OpenFile(long ino, long handle, int flags, boolean directory) {}

  private final ConcurrentHashMap<Long, OpenFile> open = new ConcurrentHashMap<>();
  // 0 stays unused so that an fh the kernel never had set is never found
  private final AtomicLong next = new AtomicLong(1);

  long add(OpenFile file) {
    long fh = next.getAndIncrement();
    open.put(fh, file);
    return fh;
  }

  OpenFile get(long fh) throws FsException {
    OpenFile f = open.get(fh);
    if (f == null) {
      throw new FsException(Errno.EBADF, "no open file with fuse handle " + fh);
    }
    return f;
  }

  OpenFile remove(long fh) throws FsException {
    OpenFile f = open.remove(fh);
    if (f == null) {
      throw new FsException(Errno.EBADF, "no open file with fuse handle " + fh);
    }
    return f;
  }

  int size() {
    return open.size();
  }
}
