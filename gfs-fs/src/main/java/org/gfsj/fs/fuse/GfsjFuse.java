package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.gfsj.fs.fuse.OpenFiles.OpenFile;
import org.gfsj.fs.fuse.PathResolver.Entry;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE front: libfuse2's path-based operations, each mapped onto {@link Vfs}.
 *
 * <p>Callbacks run on {@link FuseSession}'s threads, several at once, so nothing here keeps
 * per-thread state: the caller comes from {@code fuse_get_context} on each call, open files live
 * in {@link OpenFiles}. Every callback returns
 * 0, a count, or {@code -errno}; no exception may unwind into native code, so each body runs in
 * {@link #call}, which turns {@link FsException} into its errno and anything else into EIO and a
 * log line.
 *
 * <p>Left to the kernel on purpose: {@code flush}, {@code lock} and {@code flock}. Without them
 * the kernel keeps POSIX and flock locks itself, which is right for one node (nolock), and after
 * the first ENOSYS it sends no FLUSH on close(2): a round trip saved on every close. A cluster
 * mount will need lock and flock through the lock manager.
 */
public final class GfsjFuse extends FuseStubFS {
  private static final Logger LOG = LoggerFactory.getLogger(GfsjFuse.class);

  /** utimensat's markers in tv_nsec. */
  static final long UTIME_NOW = (1L << 30) - 1;
  static final long UTIME_OMIT = (1L << 30) - 2;
  /** chown's "leave as it is", as libfuse passes (uid_t) -1. */
  private static final long UNCHANGED_ID = 0xFFFF_FFFFL;
  /** Entries asked of the Vfs per readdir round; the kernel's buffer usually takes fewer. */
  private static final int READDIR_BATCH = 128;

  private final Vfs vfs;
  private final PathResolver paths;
  private final OpenFiles openFiles = new OpenFiles();
  private final SupplementaryGroups groups;
  /** Whether the kernel leaves the umask to us (FUSE_DONT_MASK granted at init). */
  private volatile boolean umaskIsOurs;

  public GfsjFuse(Vfs vfs) {
    this(vfs, SupplementaryGroups.ofSystem());
  }

  GfsjFuse(Vfs vfs, SupplementaryGroups groups) {
    this.vfs = vfs;
    this.paths = new PathResolver(vfs);
    this.groups = groups;
    setOperationFlags(fuseOperations);
  }

  /**
   * Sets two bits of {@code struct fuse_operations} that jnr-fuse declares only as padding:
   * {@code flag_nullpath_ok}, so that libfuse still calls read, write, fstat, fsync and release of
   * an unlinked open file (with a null path; the fh names the inode), and
   * {@code flag_utime_omit_ok}, so that utimens sees UTIME_NOW and UTIME_OMIT as the program
   * passed them (touch by a non-owner with write permission sets "now", which only UTIME_NOW
   * allows). In C they are the low bits of one unsigned int; on the little-endian hosts GFSJ runs
   * on, bits 0 and 2 of its first byte.
   */
  private static void setOperationFlags(ru.serce.jnrfuse.struct.FuseOperations ops) {
    final int nullpathOk = 1;
    final int utimeOmitOk = 1 << 2;
    try {
      Object member = ops.flag_nullpath_ok;
      long offset = (Long) Class.forName("jnr.ffi.Struct$AbstractMember").getMethod("offset")
          .invoke(member);
      Pointer memory = Struct.getMemory(ops);
      memory.putByte(offset, (byte) (memory.getByte(offset) | nullpathOk | utimeOmitOk));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this jnr-fuse lays out fuse_operations differently from"
          + " 0.5.8; GfsjFuse needs updating for it", e);
    }
  }

  /**
   * Mounts on {@code mountPoint} and serves until the directory is unmounted (fusermount -u,
   * umount) or the session ends. Returns fuse_main's status: 0 after a clean unmount, nonzero when
   * the mount failed (libfuse has printed why on stderr). Closing the Vfs is the caller's part.
   */
  public int serve(Path mountPoint, FuseOptions options) {
    List<String> args = new ArrayList<>();
    args.add("gfsj");
    args.addAll(options.arguments(mountPoint));
    LOG.info("serving {} on {}: {}", options.device(), mountPoint, String.join(" ", args));
    return new FuseSession(fuseOperations).run(args,
        () -> FuseReadahead.apply(mountPoint, options.readaheadKb()));
  }

  /**
   * {@code fuse_operations.init}: asks the kernel for FUSE_DONT_MASK, so that creates arrive with
   * the mode the program passed and the caller's umask beside it (in the context) instead of a
   * mode already masked. A new inode in a directory with a default ACL must ignore the umask, as
   * on a kernel filesystem; the Vfs applies it otherwise. {@code conn} is libfuse2's
   * {@code struct fuse_conn_info}: u32 proto_major, proto_minor, async_read, max_write,
   * max_readahead, capable (byte 20), want (byte 24).
   */
  @Override
  public Pointer init(Pointer conn) {
    final int capable = 20;
    final int want = 24;
    final int dontMask = 1 << 6;
    if ((conn.getInt(capable) & dontMask) != 0) {
      conn.putInt(want, conn.getInt(want) | dontMask);
      umaskIsOurs = true;
    } else {
      LOG.warn("the kernel does not offer FUSE_DONT_MASK: it applies the umask to every create,"
          + " also in directories with a default ACL, which POSIX says must ignore it");
    }
    return null;
  }

  /** Files and directories the kernel holds open now. */
  public int openCount() {
    return openFiles.size();
  }

  // ---- the error boundary -------------------------------------------------------------------

  @FunctionalInterface
  interface Body {
    int run() throws IOException;
  }

  /** Runs one operation; its result, or -errno. */
  static int call(String op, String path, Body body) {
    try {
      return body.run();
    } catch (FsException e) {
      return -e.errno().code();
    } catch (Throwable t) {
      // whatever else failed is a bug or a broken disk; the program sees EIO, the log says what
      LOG.error("{} {}: unexpected failure, answered EIO", op, path, t);
      return -Errno.EIO.code();
    }
  }

  private Caller caller() {
    FuseContext c = getContext();
    int uid = (int) c.uid.get();
    int gid = (int) c.gid.get();
    int pid = (int) c.pid.get();
    int umask = umaskIsOurs ? (int) c.umask.get() : 0;
    return new Caller(uid, gid, uid == 0 ? new int[0] : groups.of(pid, uid, gid), pid, umask);
  }

  private OpenFile opened(FuseFileInfo fi) throws FsException {
    return openFiles.get(fi.fh.get());
  }

  /** The inode an operation means: the open file's if it has one, else the path's. */
  private long target(String path, FuseFileInfo fi, Caller caller) throws IOException {
    if (fi != null && fi.fh.get() != 0) {
      return opened(fi).ino();
    }
    return paths.inode(path, caller);
  }

  // ---- attributes ---------------------------------------------------------------------------

  @Override
  public int getattr(String path, FileStat stat) {
    return call("getattr", path, () -> {
      fill(stat, paths.resolve(path, caller()));
      return 0;
    });
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return call("fgetattr", path, () -> {
      fill(stat, vfs.getattr(opened(fi).ino()));
      return 0;
    });
  }

  static void fill(FileStat stat, Attributes a) {
    stat.st_ino.set(a.ino());
    stat.st_mode.set(a.mode());
    stat.st_nlink.set(a.nlink());
    stat.st_uid.set(a.uid());
    stat.st_gid.set(a.gid());
    stat.st_rdev.set(a.rdev());
    stat.st_size.set(a.size());
    stat.st_blksize.set(a.blockSize());
    stat.st_blocks.set(a.blocks512());
    time(stat.st_atim, a.atimeNanos());
    time(stat.st_mtim, a.mtimeNanos());
    time(stat.st_ctim, a.ctimeNanos());
  }

  private static void time(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return call("chmod", path, () -> {
      Caller c = caller();
      vfs.setattr(paths.inode(path, c), SetAttributes.mode((int) mode & 07777), c);
      return 0;
    });
  }

  @Override
  public int chown(String path, @uid_t long uid, @gid_t long gid) {
    return call("chown", path, () -> {
      Caller c = caller();
      vfs.setattr(paths.inode(path, c), SetAttributes.owner(id(uid), id(gid)), c);
      return 0;
    });
  }

  static Integer id(long id) {
    return (id == -1 || id == UNCHANGED_ID) ? null : (int) id;
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return call("truncate", path, () -> {
      Caller c = caller();
      vfs.setattr(paths.inode(path, c), SetAttributes.size(size), c);
      return 0;
    });
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return call("ftruncate", path, () -> {
      OpenFile f = opened(fi);
      if ((f.flags() & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY) {
        throw new FsException(Errno.EBADF, "ftruncate of a file open read-only");
      }
      // the write permission was checked at open; ftruncate(2) does not check it again, and a
      // file made with mode 0444 by O_CREAT must still be truncatable through its descriptor
      vfs.setattr(f.ino(), SetAttributes.size(size), Caller.ROOT);
      return 0;
    });
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return call("utimens", path, () -> {
      Caller c = caller();
      vfs.setattr(paths.inode(path, c),
          SetAttributes.times(utime(timespec[0]), utime(timespec[1])), c);
      return 0;
    });
  }

  static Long utime(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return null;
    }
    if (nsec == UTIME_NOW) {
      return SetAttributes.NOW;
    }
    return t.tv_sec.get() * 1_000_000_000L + nsec;
  }

  @Override
  public int access(String path, int mask) {
    return call("access", path, () -> {
      Caller c = caller();
      long ino = paths.inode(path, c);
      if (mask != 0) {
        vfs.access(ino, mask, c);
      }
      return 0;
    });
  }

  @Override
  public int statfs(String path, Statvfs st) {
    return call("statfs", path, () -> {
      FsStatistics s = vfs.statfs();
      st.f_bsize.set(s.blockSize());
      st.f_frsize.set(s.blockSize());
      st.f_blocks.set(s.blocks());
      st.f_bfree.set(s.freeBlocks());
      st.f_bavail.set(s.availableBlocks());
      st.f_files.set(s.files());
      st.f_ffree.set(s.freeFiles());
      st.f_favail.set(s.freeFiles());
      st.f_namemax.set(s.maxNameLength());
      return 0;
    });
  }

  // ---- names --------------------------------------------------------------------------------

  @Override
  public int mknod(String path, @mode_t long mode, @dev_t long rdev) {
    return call("mknod", path, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(path, c);
      vfs.mknod(e.dir(), e.name(), (int) mode, rdev, c);
      return 0;
    });
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return call("mkdir", path, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(path, c);
      vfs.mkdir(e.dir(), e.name(), (int) mode & 07777, c);
      return 0;
    });
  }

  @Override
  public int symlink(String target, String linkPath) {
    return call("symlink", linkPath, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(linkPath, c);
      vfs.symlink(e.dir(), e.name(), target, c);
      return 0;
    });
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    return call("readlink", path, () -> {
      Caller c = caller();
      byte[] target = vfs.readlink(paths.inode(path, c), c).getBytes(StandardCharsets.UTF_8);
      // libfuse wants a NUL-terminated string, cut to the buffer as readlink(2) cuts it
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    });
  }

  @Override
  public int link(String existing, String newPath) {
    return call("link", newPath, () -> {
      Caller c = caller();
      long ino = paths.inode(existing, c);
      Entry e = paths.parentOf(newPath, c);
      vfs.link(ino, e.dir(), e.name(), c);
      return 0;
    });
  }

  @Override
  public int unlink(String path) {
    return call("unlink", path, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(path, c);
      vfs.unlink(e.dir(), e.name(), c);
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return call("rmdir", path, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(path, c);
      vfs.rmdir(e.dir(), e.name(), c);
      return 0;
    });
  }

  /**
   * rename(2). libfuse2's high-level API carries no renameat2 flags (it speaks FUSE protocol 7.19,
   * and the kernel answers RENAME_NOREPLACE/RENAME_EXCHANGE with EINVAL itself before asking), so
   * flags are always 0 here; NFS and HTTP reach the flags through {@link Vfs#rename}.
   */
  @Override
  public int rename(String oldPath, String newPath) {
    return call("rename", oldPath, () -> {
      Caller c = caller();
      Entry from = paths.parentOf(oldPath, c);
      Entry to = paths.parentOf(newPath, c);
      vfs.rename(from.dir(), from.name(), to.dir(), to.name(), 0, c);
      return 0;
    });
  }

  // ---- open files ---------------------------------------------------------------------------

  @Override
  public int open(String path, FuseFileInfo fi) {
    return call("open", path, () -> {
      Caller c = caller();
      long ino = paths.inode(path, c);
      int flags = fi.flags.get();
      long handle = vfs.open(ino, flags, c);
      fi.fh.set(openFiles.add(new OpenFile(ino, handle, flags, false)));
      return 0;
    });
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return call("create", path, () -> {
      Caller c = caller();
      Entry e = paths.parentOf(path, c);
      int flags = fi.flags.get();
      Vfs.Created made = vfs.create(e.dir(), e.name(), (int) mode, flags, c);
      fi.fh.set(openFiles.add(
          new OpenFile(made.attributes().ino(), made.handle(), flags, false)));
      return 0;
    });
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset,
      FuseFileInfo fi) {
    return call("read", path, () -> {
      OpenFile f = opened(fi);
      ByteBuffer dst = NativeBuffers.view(buf, size);
      // the high-level API takes a short read for end of file, so fill the buffer unless at EOF
      while (dst.hasRemaining()) {
        int n = vfs.read(f.ino(), f.handle(), offset + dst.position(), dst);
        if (n <= 0) {
          break;
        }
      }
      return dst.position();
    });
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset,
      FuseFileInfo fi) {
    return call("write", path, () -> {
      OpenFile f = opened(fi);
      ByteBuffer src = NativeBuffers.view(buf, size);
      Caller c = caller();
      boolean append = (f.flags() & OpenFlags.O_APPEND) != 0;
      while (src.hasRemaining()) {
        // with O_APPEND the Vfs places the bytes at the end itself, whatever offset says
        long at = append ? offset : offset + src.position();
        int n = vfs.write(f.ino(), f.handle(), at, src, c);
        if (n <= 0) {
          throw new FsException(Errno.EIO, "write of inode " + f.ino() + " made no progress");
        }
      }
      return (int) size;
    });
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return call("fsync", path, () -> {
      OpenFile f = opened(fi);
      vfs.fsync(f.ino(), f.handle(), isdatasync != 0);
      return 0;
    });
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call("release", path, () -> {
      OpenFile f = openFiles.remove(fi.fh.get());
      vfs.release(f.ino(), f.handle());
      return 0;
    });
  }

  @Override
  public int fallocate(String path, int mode, @off_t long offset, @off_t long length,
      FuseFileInfo fi) {
    return call("fallocate", path, () -> {
      Caller c = caller();
      vfs.fallocate(target(path, fi, c), mode, offset, length, c);
      return 0;
    });
  }

  // ---- directories --------------------------------------------------------------------------

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    return call("opendir", path, () -> {
      Caller c = caller();
      Attributes a = paths.resolve(path, c);
      if (!a.isDirectory()) {
        throw new FsException(Errno.ENOTDIR, path + " is not a directory");
      }
      vfs.access(a.ino(), Vfs.R_OK, c);
      fi.fh.set(openFiles.add(new OpenFile(a.ino(), Vfs.NO_HANDLE, fi.flags.get(), true)));
      return 0;
    });
  }

  /**
   * Lists from {@code offset}, which is a Vfs cookie: 0 at the start, then the {@code nextCookie}
   * of the last entry the kernel took. The filler gets each entry's next cookie, and answers 1 when
   * the kernel's buffer is full; the entry it refused comes first in the next call.
   */
  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset,
      FuseFileInfo fi) {
    return call("readdir", path, () -> {
      OpenFile dir = opened(fi);
      Caller c = caller();
      FileStat stat = new FileStat(jnr.ffi.Runtime.getSystemRuntime());
      long cookie = offset;
      while (true) {
        List<DirectoryEntryView> batch = vfs.readdir(dir.ino(), cookie, READDIR_BATCH, c);
        if (batch.isEmpty()) {
          return 0;
        }
        for (DirectoryEntryView e : batch) {
          stat.st_ino.set(e.ino());
          stat.st_mode.set(e.type() == null ? 0 : e.type().modeBits());
          if (filler.apply(buf, e.name(), stat, e.nextCookie()) != 0) {
            return 0;
          }
          cookie = e.nextCookie();
        }
      }
    });
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    return call("releasedir", path, () -> {
      openFiles.remove(fi.fh.get());
      return 0;
    });
  }

  @Override
  public int fsyncdir(String path, FuseFileInfo fi) {
    // a directory's changes are journaled metadata: making the journal durable makes them durable
    return call("fsyncdir", path, () -> {
      vfs.sync();
      return 0;
    });
  }

  // ---- extended attributes ------------------------------------------------------------------

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    return call("getxattr", path, () -> {
      Caller c = caller();
      byte[] v = vfs.getxattr(paths.inode(path, c), name, c);
      return copyOut(v, value, size);
    });
  }

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    return call("setxattr", path, () -> {
      Caller c = caller();
      byte[] v = new byte[(int) size];
      value.get(0, v, 0, v.length);
      vfs.setxattr(paths.inode(path, c), name, v, flags, c);
      return 0;
    });
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    return call("listxattr", path, () -> {
      Caller c = caller();
      ByteBuffer names = ByteBuffer.allocate(64 * 1024 + 1);
      for (String n : vfs.listxattr(paths.inode(path, c), c)) {
        byte[] b = n.getBytes(StandardCharsets.UTF_8);
        if (names.remaining() < b.length + 1) {
          throw new FsException(Errno.E2BIG, "the names of the xattrs of " + path
              + " exceed 64 KiB");
        }
        names.put(b).put((byte) 0);
      }
      byte[] all = new byte[names.position()];
      names.flip().get(all);
      return copyOut(all, list, size);
    });
  }

  @Override
  public int removexattr(String path, String name) {
    return call("removexattr", path, () -> {
      Caller c = caller();
      vfs.removexattr(paths.inode(path, c), name, c);
      return 0;
    });
  }

  /** getxattr(2)'s protocol: size 0 asks for the length; a buffer too small is ERANGE. */
  private static int copyOut(byte[] v, Pointer dst, long size) throws FsException {
    if (size == 0) {
      return v.length;
    }
    if (size < v.length) {
      throw new FsException(Errno.ERANGE, "value of " + v.length + " bytes, buffer of " + size);
    }
    dst.put(0, v, 0, v.length);
    return v.length;
  }
}
