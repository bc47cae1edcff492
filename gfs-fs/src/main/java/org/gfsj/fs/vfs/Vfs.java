package org.gfsj.fs.vfs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The one door into a mounted GFSJ filesystem: FUSE, HTTP and NFS all enter here, never through a
 * FUSE mount. Inodes are named by number (the dinode's block address), as FUSE's low-level API and
 * NFS handles do; names are single path components. Every call that a program could make with its
 * own credentials takes the {@link Caller} and checks POSIX permissions against it.
 *
 * <p>Failures are {@link FsException}s carrying the errno a program sees (ENOENT, EACCES, ENOSPC,
 * EROFS, EIO after a withdraw...). Implementations are safe for concurrent calls from many threads.
 *
 * <p>Open files: {@link #open} and {@link #create} return a handle that {@link #read},
 * {@link #write}, {@link #fsync} and {@link #release} take; an inode unlinked while
 * open stays readable until its last handle is released. Stateless fronts (NFS) pass handle
 * {@link #NO_HANDLE} and name the inode alone.
 */
public interface Vfs extends Closeable {
  /** The handle stateless callers pass: the inode is named by number alone. */
  long NO_HANDLE = 0;

  /** rename(2) flag: fail with EEXIST rather than replace. */
  int RENAME_NOREPLACE = 1;
  /** rename(2) flag: swap the two names atomically. */
  int RENAME_EXCHANGE = 2;

  /** fallocate(2) modes. */
  int FALLOC_KEEP_SIZE = 0x01;
  int FALLOC_PUNCH_HOLE = 0x02;
  int FALLOC_COLLAPSE_RANGE = 0x08;
  int FALLOC_ZERO_RANGE = 0x10;
  int FALLOC_INSERT_RANGE = 0x20;

  /** setxattr(2) flags. */
  int XATTR_CREATE = 1;
  int XATTR_REPLACE = 2;

  /** access(2) mask bits. */
  int R_OK = 4;
  int W_OK = 2;
  int X_OK = 1;

  /** The root directory's inode number. */
  long root();

  /** The filesystem's UUID, which NFS handles carry so that any node can serve any handle. */
  java.util.UUID uuid();

  /**
   * Whether this node alone changes the filesystem (nolock), so that a front's caches stay true
   * until the front itself changes something: the FUSE front then lets the kernel keep names and
   * attributes for long. A cluster mount answers false until its glock demotes invalidate them.
   */
  default boolean soleWriter() {
    return false;
  }

  Attributes getattr(long ino) throws IOException;

  /** Looks {@code name} up in {@code dir}; needs search (x) permission on {@code dir}. */
  Attributes lookup(long dir, String name, Caller caller) throws IOException;

  /** chmod, chown, truncate and utimensat in one call, with their permission and ctime rules. */
  Attributes setattr(long ino, SetAttributes changes, Caller caller) throws IOException;

  /** Checks access(2) permission bits for the caller. */
  void access(long ino, int mask, Caller caller) throws IOException;

  /** Makes a regular file, FIFO, socket or device node ({@code mode} carries the type bits). */
  Attributes mknod(long dir, String name, int mode, long rdev, Caller caller) throws IOException;

  Attributes mkdir(long dir, String name, int mode, Caller caller) throws IOException;

  Attributes symlink(long dir, String name, String target, Caller caller) throws IOException;

  String readlink(long ino, Caller caller) throws IOException;

  /** Adds a hard link to {@code ino} named {@code name} in {@code dir}. */
  Attributes link(long ino, long dir, String name, Caller caller) throws IOException;

  void unlink(long dir, String name, Caller caller) throws IOException;

  void rmdir(long dir, String name, Caller caller) throws IOException;

  /** rename(2) and renameat2(2) with {@link #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}. */
  void rename(long fromDir, String fromName, long toDir, String toName, int flags, Caller caller)
      throws IOException;

  /** Opens an existing inode with open(2) flags; returns a handle. */
  long open(long ino, int flags, Caller caller) throws IOException;

  /** The atomic O_CREAT open: makes the file (or opens it, without O_EXCL) and returns a handle. */
  Created create(long dir, String name, int mode, int flags, Caller caller) throws IOException;

  /** A file made by {@link #create}, and the handle it is open under. */
  record Created(Attributes attributes, long handle) {}

  /** Reads up to {@code dst.remaining()} bytes at {@code offset}; returns the count, 0 at EOF. */
  int read(long ino, long handle, long offset, ByteBuffer dst) throws IOException;

  /**
   * Writes {@code src} at {@code offset} (at the end of the file for a handle opened with
   * O_APPEND); returns the count written.
   */
  int write(long ino, long handle, long offset, ByteBuffer src, Caller caller) throws IOException;

  /** fsync(2) and fdatasync(2): durable on return. */
  void fsync(long ino, long handle, boolean dataOnly) throws IOException;

  /** The last close of a handle. */
  void release(long ino, long handle) throws IOException;

  /** fallocate(2) of an inode named alone: the caller needs write permission on it. */
  void fallocate(long ino, int mode, long offset, long length, Caller caller) throws IOException;

  /**
   * fallocate(2) through an open {@code handle}: as for write, the handle must be open for
   * writing and the file's mode is not looked at again (a file created with mode 0, or made
   * read-only after the open, still takes it). {@link #NO_HANDLE} falls back to the check above.
   */
  default void fallocate(long ino, long handle, int mode, long offset, long length,
      Caller caller) throws IOException {
    fallocate(ino, mode, offset, length, caller);
  }

  /**
   * Lists {@code dir} from {@code cookie} (0 = the start): at most {@code max} entries, "." and ".."
   * included; an empty list means the end.
   */
  List<DirectoryEntryView> readdir(long dir, long cookie, int max, Caller caller)
      throws IOException;

  FsStatistics statfs() throws IOException;

  byte[] getxattr(long ino, String name, Caller caller) throws IOException;

  void setxattr(long ino, String name, byte[] value, int flags, Caller caller) throws IOException;

  List<String> listxattr(long ino, Caller caller) throws IOException;

  void removexattr(long ino, String name, Caller caller) throws IOException;

  /** fcntl(2) lock types. */
  int F_RDLCK = 0;
  int F_WRLCK = 1;
  int F_UNLCK = 2;

  /** flock(2) operations; {@link #LOCK_NB} is or-ed with one of the others. */
  int LOCK_SH = 1;
  int LOCK_EX = 2;
  int LOCK_NB = 4;
  int LOCK_UN = 8;

  /**
   * A POSIX (fcntl) byte-range lock: bytes {@code start} to {@code end} inclusive
   * ({@code Long.MAX_VALUE}: to the end of any file), held by lock owner {@code owner} (FUSE's
   * lock_owner; the process for NFS's NLM) on behalf of process {@code pid}.
   */
  record ByteRangeLock(int type, long start, long end, long owner, int pid) {}

  /**
   * F_GETLK: the first lock another owner holds that conflicts with {@code wanted}, or
   * {@code wanted} with type {@link #F_UNLCK} if none does.
   */
  default ByteRangeLock getlk(long ino, long handle, ByteRangeLock wanted) throws IOException {
    throw new FsException(Errno.ENOSYS, "byte-range locks are not implemented");
  }

  /**
   * F_SETLK ({@code wait} false: EAGAIN on a conflict) and F_SETLKW ({@code wait} true: blocks
   * until granted); type {@link #F_UNLCK} releases the owner's locks in the range. An owner's
   * locks go when it unlocks them or when {@link #release} is called with no handles of the
   * owner left (the front passes {@link #F_UNLCK} over the whole file at close, as the kernel
   * does).
   */
  default void setlk(long ino, long handle, ByteRangeLock lock, boolean wait) throws IOException {
    throw new FsException(Errno.ENOSYS, "byte-range locks are not implemented");
  }

  /**
   * flock(2) on the open file {@code handle}: {@link #LOCK_SH}, {@link #LOCK_EX} or
   * {@link #LOCK_UN}, with {@link #LOCK_NB} to fail with EAGAIN rather than wait. A handle's
   * flock goes with its last {@link #release}.
   */
  default void flock(long ino, long handle, int operation) throws IOException {
    throw new FsException(Errno.ENOSYS, "flock is not implemented");
  }

  /** Makes everything written so far durable (sync(2), and before an unmount). */
  void sync() throws IOException;

  /**
   * Unmounts: waits for writers, writes everything back, closes the journal clean and drops the
   * node's locks.
   */
  @Override
  void close() throws IOException;
}
