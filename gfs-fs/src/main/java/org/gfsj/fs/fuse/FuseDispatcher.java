package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.gfsj.fs.fuse.OpenFiles.OpenFile;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves FUSE kernel requests from {@link Vfs}: one method per opcode, each reading its body from
 * the {@link FuseRequest} and writing its answer into the {@link FuseReply}.
 *
 * <p>Node ids are inode numbers, so every name of a hard-linked file is one kernel inode and the
 * kernel may cache attributes and names (for {@link KernelCaching}); only the root is renamed, to
 * FUSE_ROOT_ID (1), which no GFSJ inode can have (block 1 lies in the superblock's area).
 *
 * <p>With writeback caching the kernel owns the file position and size of cached data: it
 * places O_APPEND writes itself and writes pages back in any order, so the Vfs must not move
 * them to the end (O_APPEND is kept from it); and it reads through any open file of the inode,
 * write-only ones included, to fill a page before a partial write.
 *
 * <p>Errors: an {@link FsException} becomes its errno; anything else is a bug or a broken disk,
 * answered EIO and logged with the request, so that one bad request never stops the server.
 */
final class FuseDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(FuseDispatcher.class);
  static final long ROOT_ID = 1;

  private static final int FATTR_MODE = 1;
  private static final int FATTR_UID = 1 << 1;
  private static final int FATTR_GID = 1 << 2;
  private static final int FATTR_SIZE = 1 << 3;
  private static final int FATTR_ATIME = 1 << 4;
  private static final int FATTR_MTIME = 1 << 5;
  private static final int FATTR_FH = 1 << 6;
  private static final int FATTR_ATIME_NOW = 1 << 7;
  private static final int FATTR_MTIME_NOW = 1 << 8;
  private static final int FATTR_KILL_SUIDGID = 1 << 11;
  private static final int FUSE_OPEN_KILL_SUIDGID = 1;
  private static final int FUSE_WRITE_KILL_SUIDGID = 1 << 2;
  private static final int S_ISUID = 04000;
  private static final int S_ISGID = 02000;
  private static final int FOPEN_KEEP_CACHE = 1 << 1;
  private static final int FSYNC_FDATASYNC = 1;
  /** Linux's ceiling for a listxattr or getxattr answer. */
  private static final int XATTR_LIST_MAX = 64 * 1024;

  private final Vfs vfs;
  private final long root;
  private final OpenFiles openFiles = new OpenFiles();
  private final SupplementaryGroups groups;
  private final KernelCaching caching;
  private final boolean writeback;
  private final DirectoryReplies directories;
  private final boolean debug;

  FuseDispatcher(Vfs vfs, SupplementaryGroups groups, KernelCaching caching, boolean debug) {
    this.vfs = vfs;
    this.root = vfs.root();
    this.groups = groups;
    this.caching = caching;
    this.writeback = caching.writeback();
    this.directories = new DirectoryReplies(vfs, this::nodeId, caching);
    this.debug = debug;
  }

  int openCount() {
    return openFiles.size();
  }

  /** Answers one request (unless the protocol wants no answer to it). */
  void handle(FuseRequest r, FuseReply reply) throws IOException {
    int op = r.opcode();
    if (debug) {
      LOG.info("request {} opcode {} node {} uid {} pid {}", r.unique(), op, r.nodeId(), r.uid(),
          r.pid());
    }
    if (FuseOpcode.unanswered(op)) {
      return;
    }
    try {
      dispatch(op, r, reply);
    } catch (FsException e) {
      if (debug) {
        LOG.info("request {}: {}", r.unique(), e.getMessage());
      }
      reply.error(r.unique(), e.errno().code());
    } catch (Throwable t) {
      // whatever else failed is a bug or a broken disk; the program sees EIO, the log says what
      LOG.error("FUSE opcode {} on node {}: unexpected failure, answered EIO", op, r.nodeId(), t);
      reply.error(r.unique(), Errno.EIO.code());
    }
  }

  private void dispatch(int op, FuseRequest r, FuseReply reply) throws IOException {
    switch (op) {
      case FuseOpcode.LOOKUP -> lookup(r, reply);
      case FuseOpcode.GETATTR -> getattr(r, reply);
      case FuseOpcode.SETATTR -> setattr(r, reply);
      case FuseOpcode.READLINK -> readlink(r, reply);
      case FuseOpcode.SYMLINK -> symlink(r, reply);
      case FuseOpcode.MKNOD -> mknod(r, reply);
      case FuseOpcode.MKDIR -> mkdir(r, reply);
      case FuseOpcode.UNLINK -> empty(r, reply, () -> vfs.unlink(ino(r), r.name(), caller(r)));
      case FuseOpcode.RMDIR -> empty(r, reply, () -> vfs.rmdir(ino(r), r.name(), caller(r)));
      case FuseOpcode.RENAME -> rename(r, reply, false);
      case FuseOpcode.RENAME2 -> rename(r, reply, true);
      case FuseOpcode.LINK -> link(r, reply);
      case FuseOpcode.OPEN -> open(r, reply);
      case FuseOpcode.CREATE -> create(r, reply);
      case FuseOpcode.READ -> read(r, reply);
      case FuseOpcode.WRITE -> write(r, reply);
      case FuseOpcode.STATFS -> statfs(r, reply);
      case FuseOpcode.RELEASE -> release(r, reply);
      case FuseOpcode.FSYNC -> fsync(r, reply);
      case FuseOpcode.SETXATTR -> setxattr(r, reply);
      case FuseOpcode.GETXATTR -> getxattr(r, reply);
      case FuseOpcode.LISTXATTR -> listxattr(r, reply);
      case FuseOpcode.REMOVEXATTR ->
          empty(r, reply, () -> vfs.removexattr(ino(r), r.name(), caller(r)));
      case FuseOpcode.OPENDIR -> opendir(r, reply);
      case FuseOpcode.READDIR -> readdir(r, reply, false);
      case FuseOpcode.READDIRPLUS -> readdir(r, reply, true);
      case FuseOpcode.RELEASEDIR -> releasedir(r, reply);
      // a directory's changes are journaled metadata: a durable journal makes them durable
      case FuseOpcode.FSYNCDIR, FuseOpcode.SYNCFS -> empty(r, reply, vfs::sync);
      case FuseOpcode.ACCESS -> access(r, reply);
      case FuseOpcode.FALLOCATE -> fallocate(r, reply);
      case FuseOpcode.DESTROY -> empty(r, reply, () -> { });
      // FLUSH: ENOSYS makes the kernel stop sending it, a round trip saved on every close;
      // anything else GFSJ does not serve: the kernel falls back or tells the program
      default -> throw new FsException(Errno.ENOSYS, "opcode " + op + " is not served");
    }
  }

  // ---- identities ---------------------------------------------------------------------------

  private long ino(FuseRequest r) {
    return inoOf(r.nodeId());
  }

  private long inoOf(long nodeId) {
    return nodeId == ROOT_ID ? root : nodeId;
  }

  private long nodeId(long ino) {
    return ino == root ? ROOT_ID : ino;
  }

  private Caller caller(FuseRequest r) {
    return caller(r, 0);
  }

  private Caller caller(FuseRequest r, int umask) {
    int uid = r.uid();
    int gid = r.gid();
    int pid = r.pid();
    return new Caller(uid, gid, uid == 0 ? new int[0] : groups.of(pid, uid, gid), pid, umask);
  }

  // ---- replies ------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Action {
    void run() throws IOException;
  }

  private static void empty(FuseRequest r, FuseReply reply, Action action) throws IOException {
    action.run();
    done(r, reply);
  }

  /** The answer of a request that succeeded with nothing to say. */
  private static void done(FuseRequest r, FuseReply reply) throws IOException {
    reply.begin(r.unique());
    reply.send();
  }

  private void entry(FuseRequest r, FuseReply reply, Attributes a) throws IOException {
    FuseReply.putEntry(reply.begin(r.unique()), nodeId(a.ino()), a, caching);
    reply.send();
  }

  private void attr(FuseRequest r, FuseReply reply, Attributes a) throws IOException {
    FuseReply.putAttrOut(reply.begin(r.unique()), a, caching);
    reply.send();
  }

  // ---- names --------------------------------------------------------------------------------

  private void lookup(FuseRequest r, FuseReply reply) throws IOException {
    Attributes a;
    try {
      a = vfs.lookup(ino(r), r.name(), caller(r));
    } catch (FsException e) {
      if (e.errno() != Errno.ENOENT || caching.entry().isZero()) {
        throw e;
      }
      // node id 0: "no such name", which the kernel may remember as long as a name
      FuseReply.putEntry(reply.begin(r.unique()), 0, null, caching);
      reply.send();
      return;
    }
    entry(r, reply, a);
  }

  private void getattr(FuseRequest r, FuseReply reply) throws IOException {
    attr(r, reply, vfs.getattr(ino(r)));
  }

  /**
   * chmod, chown, truncate and utimensat. A truncate through an open file (ftruncate) was
   * allowed by the open: it is not checked again, so a file created with mode 0444 stays
   * truncatable through its descriptor. Times alone are set with the kernel's authority: it has
   * checked utimensat's rules itself (default_permissions), and with writeback caching it sends
   * the times of cached writes under whatever process happens to write them back.
   */
  private void setattr(FuseRequest r, FuseReply reply) throws IOException {
    int valid = r.u32();
    r.skip(4);
    long fh = r.u64();
    long size = r.u64();
    r.skip(8); // lock_owner
    long atime = r.u64();
    long mtime = r.u64();
    r.skip(8); // ctime
    int atimensec = r.u32();
    int mtimensec = r.u32();
    r.skip(4); // ctimensec
    int mode = r.u32();
    r.skip(4);
    int uid = r.u32();
    int gid = r.u32();
    long ino = ino(r);
    Attributes result = null;
    if ((valid & FATTR_KILL_SUIDGID) != 0 && (valid & FATTR_MODE) == 0) {
      killSuidGid(ino);
    }
    if ((valid & FATTR_SIZE) != 0 && (valid & FATTR_FH) != 0) {
      OpenFile f = openFiles.get(fh);
      if ((f.flags() & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY) {
        throw new FsException(Errno.EBADF, "ftruncate of a file open read-only");
      }
      result = vfs.setattr(f.ino(), SetAttributes.size(size), Caller.ROOT);
      valid &= ~FATTR_SIZE;
    }
    SetAttributes changes = new SetAttributes(
        (valid & FATTR_MODE) != 0 ? mode & 07777 : null,
        (valid & FATTR_UID) != 0 ? uid : null,
        (valid & FATTR_GID) != 0 ? gid : null,
        (valid & FATTR_SIZE) != 0 ? size : null,
        time(valid, FATTR_ATIME, FATTR_ATIME_NOW, atime, atimensec),
        time(valid, FATTR_MTIME, FATTR_MTIME_NOW, mtime, mtimensec));
    boolean timesOnly = (valid & (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE)) == 0;
    if (result == null || !changes.equals(new SetAttributes(null, null, null, null, null, null))) {
      result = vfs.setattr(ino, changes, timesOnly ? Caller.ROOT : caller(r));
    }
    attr(r, reply, result);
  }

  /**
   * What the kernel leaves to the server under FUSE_HANDLE_KILLPRIV_V2: a write, truncate or
   * O_TRUNC open by a process without CAP_FSETID drops setuid, and setgid where group execute is
   * set (setgid without it marks mandatory locking and stays), as on a local filesystem.
   */
  private boolean killSuidGid(long ino) throws IOException {
    int mode = vfs.getattr(ino).mode() & 07777;
    int cleared = mode & ~S_ISUID;
    if ((mode & 010) != 0) {
      cleared &= ~S_ISGID;
    }
    if (cleared == mode) {
      return false;
    }
    vfs.setattr(ino, SetAttributes.mode(cleared), Caller.ROOT);
    return true;
  }

  private static Long time(int valid, int set, int now, long seconds, int nanos) {
    if ((valid & now) != 0) {
      return SetAttributes.NOW;
    }
    if ((valid & set) != 0) {
      return seconds * 1_000_000_000L + nanos;
    }
    return null;
  }

  private void readlink(FuseRequest r, FuseReply reply) throws IOException {
    byte[] target = vfs.readlink(ino(r), caller(r)).getBytes(StandardCharsets.UTF_8);
    reply.begin(r.unique()).put(target);
    reply.send();
  }

  private void symlink(FuseRequest r, FuseReply reply) throws IOException {
    String name = r.name();
    String target = r.name();
    entry(r, reply, vfs.symlink(ino(r), name, target, caller(r)));
  }

  private void mknod(FuseRequest r, FuseReply reply) throws IOException {
    int mode = r.u32();
    int rdev = r.u32();
    int umask = r.u32();
    r.skip(4);
    String name = r.name();
    entry(r, reply, vfs.mknod(ino(r), name, mode, Integer.toUnsignedLong(rdev),
        caller(r, umask)));
  }

  private void mkdir(FuseRequest r, FuseReply reply) throws IOException {
    int mode = r.u32();
    int umask = r.u32();
    String name = r.name();
    entry(r, reply, vfs.mkdir(ino(r), name, mode & 07777, caller(r, umask)));
  }

  private void rename(FuseRequest r, FuseReply reply, boolean withFlags) throws IOException {
    long newDir = r.u64();
    int flags = 0;
    if (withFlags) {
      flags = r.u32();
      r.skip(4);
    }
    if ((flags & ~(Vfs.RENAME_NOREPLACE | Vfs.RENAME_EXCHANGE)) != 0) {
      throw new FsException(Errno.EINVAL, "rename flags 0x" + Integer.toHexString(flags)
          + " (RENAME_WHITEOUT is for overlay filesystems)");
    }
    String from = r.name();
    String to = r.name();
    vfs.rename(ino(r), from, inoOf(newDir), to, flags, caller(r));
    done(r, reply);
  }

  private void link(FuseRequest r, FuseReply reply) throws IOException {
    long target = inoOf(r.u64());
    String name = r.name();
    entry(r, reply, vfs.link(target, ino(r), name, caller(r)));
  }

  // ---- open files ---------------------------------------------------------------------------

  private void open(FuseRequest r, FuseReply reply) throws IOException {
    int flags = served(r.u32());
    int openFlags = r.u32();
    long ino = ino(r);
    long handle = vfs.open(ino, flags, caller(r));
    if ((openFlags & FUSE_OPEN_KILL_SUIDGID) != 0 && killSuidGid(ino)) {
      reply.invalidateAttributes(r.nodeId());
    }
    long fh = openFiles.add(new OpenFile(ino, handle, flags, false));
    putOpen(reply.begin(r.unique()), fh);
    reply.send();
  }

  /** The open(2) flags the Vfs sees: without O_APPEND when the kernel places appends itself. */
  private int served(int flags) {
    return writeback ? flags & ~OpenFlags.O_APPEND : flags;
  }

  /**
   * {@code struct fuse_open_out}. FOPEN_KEEP_CACHE: every change to a file on this node passes
   * through this kernel, so its cached pages stay right from one open to the next.
   */
  private static void putOpen(ByteBuffer b, long fh) {
    b.putLong(fh);
    b.putInt(FOPEN_KEEP_CACHE);
    b.putInt(0);
  }

  private void create(FuseRequest r, FuseReply reply) throws IOException {
    int flags = served(r.u32());
    int mode = r.u32();
    int umask = r.u32();
    int openFlags = r.u32();
    String name = r.name();
    Vfs.Created made = vfs.create(ino(r), name, mode, flags, caller(r, umask));
    Attributes a = made.attributes();
    if ((openFlags & FUSE_OPEN_KILL_SUIDGID) != 0) {
      killSuidGid(a.ino());
      a = vfs.getattr(a.ino());
    }
    long fh = openFiles.add(new OpenFile(a.ino(), made.handle(), flags, false));
    ByteBuffer b = reply.begin(r.unique());
    FuseReply.putEntry(b, nodeId(a.ino()), a, caching);
    putOpen(b, fh);
    reply.send();
  }

  /** Fills the whole request unless the file ends first: the kernel takes a short read as EOF. */
  private void read(FuseRequest r, FuseReply reply) throws IOException {
    OpenFile f = openFiles.get(r.u64());
    long offset = r.u64();
    int size = r.u32();
    ByteBuffer b = reply.begin(r.unique());
    if (size > b.remaining()) {
      throw new FsException(Errno.EINVAL, "a read of " + size + " bytes, more than max_read");
    }
    ByteBuffer dst = b.slice(b.position(), size);
    boolean pageFill = writeback && (f.flags() & OpenFlags.O_ACCMODE) == OpenFlags.O_WRONLY;
    long handle = pageFill ? Vfs.NO_HANDLE : f.handle();
    while (dst.hasRemaining()) {
      int n = vfs.read(f.ino(), handle, offset + dst.position(), dst);
      if (n <= 0) {
        break;
      }
    }
    b.position(b.position() + dst.position());
    reply.send();
  }

  private void write(FuseRequest r, FuseReply reply) throws IOException {
    OpenFile f = openFiles.get(r.u64());
    long offset = r.u64();
    int size = r.u32();
    int writeFlags = r.u32();
    r.skip(8 + 4 + 4); // lock_owner, flags, padding
    ByteBuffer src = r.bytes(size);
    Caller c = caller(r);
    // the Vfs drops setuid and setgid on a write by anyone but root; the kernel must hear of it
    boolean privileged = (writeFlags & FUSE_WRITE_KILL_SUIDGID) != 0
        && (vfs.getattr(f.ino()).mode() & (S_ISUID | S_ISGID)) != 0;
    boolean append = (f.flags() & OpenFlags.O_APPEND) != 0;
    while (src.hasRemaining()) {
      // with O_APPEND the Vfs places the bytes at the end itself, whatever offset says
      long at = append ? offset : offset + src.position();
      int n = vfs.write(f.ino(), f.handle(), at, src, c);
      if (n <= 0) {
        throw new FsException(Errno.EIO, "write of inode " + f.ino() + " made no progress");
      }
    }
    if (privileged) {
      reply.invalidateAttributes(r.nodeId());
    }
    ByteBuffer b = reply.begin(r.unique());
    b.putInt(size);
    b.putInt(0);
    reply.send();
  }

  private void release(FuseRequest r, FuseReply reply) throws IOException {
    OpenFile f = openFiles.remove(r.u64());
    vfs.release(f.ino(), f.handle());
    done(r, reply);
  }

  private void fsync(FuseRequest r, FuseReply reply) throws IOException {
    OpenFile f = openFiles.get(r.u64());
    int flags = r.u32();
    vfs.fsync(f.ino(), f.handle(), (flags & FSYNC_FDATASYNC) != 0);
    done(r, reply);
  }

  private void fallocate(FuseRequest r, FuseReply reply) throws IOException {
    OpenFile f = openFiles.get(r.u64());
    long offset = r.u64();
    long length = r.u64();
    int mode = r.u32();
    vfs.fallocate(f.ino(), f.handle(), mode, offset, length, caller(r));
    done(r, reply);
  }

  private void statfs(FuseRequest r, FuseReply reply) throws IOException {
    FsStatistics s = vfs.statfs();
    ByteBuffer b = reply.begin(r.unique());
    b.putLong(s.blocks());
    b.putLong(s.freeBlocks());
    b.putLong(s.availableBlocks());
    b.putLong(s.files());
    b.putLong(s.freeFiles());
    b.putInt(s.blockSize());
    b.putInt(s.maxNameLength());
    b.putInt(s.blockSize()); // frsize
    b.putInt(0);
    b.position(b.position() + 6 * 4); // spare
    reply.send();
  }

  private void access(FuseRequest r, FuseReply reply) throws IOException {
    int mask = r.u32();
    long ino = ino(r);
    Caller c = caller(r);
    if (mask != 0) {
      vfs.access(ino, mask, c);
    } else {
      vfs.getattr(ino);
    }
    done(r, reply);
  }

  // ---- directories --------------------------------------------------------------------------

  private void opendir(FuseRequest r, FuseReply reply) throws IOException {
    int flags = r.u32();
    long ino = ino(r);
    Caller c = caller(r);
    if (!vfs.getattr(ino).isDirectory()) {
      throw new FsException(Errno.ENOTDIR, "inode " + ino + " is not a directory");
    }
    vfs.access(ino, Vfs.R_OK, c);
    long fh = openFiles.add(new OpenFile(ino, Vfs.NO_HANDLE, flags, true));
    ByteBuffer b = reply.begin(r.unique());
    b.putLong(fh);
    b.putInt(0);
    b.putInt(0);
    reply.send();
  }

  private void readdir(FuseRequest r, FuseReply reply, boolean plus) throws IOException {
    OpenFile dir = openFiles.get(r.u64());
    long offset = r.u64();
    int size = r.u32();
    ByteBuffer b = reply.begin(r.unique());
    directories.list(dir.ino(), offset, Math.min(size, b.remaining()), plus, caller(r), b);
    reply.send();
  }

  private void releasedir(FuseRequest r, FuseReply reply) throws IOException {
    openFiles.remove(r.u64());
    done(r, reply);
  }

  // ---- extended attributes ------------------------------------------------------------------

  /** The body is the 8-byte setxattr_in of kernels without FUSE_SETXATTR_EXT (not asked for). */
  private void setxattr(FuseRequest r, FuseReply reply) throws IOException {
    int size = r.u32();
    int flags = r.u32();
    String name = r.name();
    ByteBuffer value = r.bytes(size);
    byte[] v = new byte[size];
    value.get(v);
    vfs.setxattr(ino(r), name, v, flags, caller(r));
    done(r, reply);
  }

  private void getxattr(FuseRequest r, FuseReply reply) throws IOException {
    int size = r.u32();
    r.skip(4);
    String name = r.name();
    value(r, reply, size, vfs.getxattr(ino(r), name, caller(r)));
  }

  private void listxattr(FuseRequest r, FuseReply reply) throws IOException {
    int size = r.u32();
    List<String> names = vfs.listxattr(ino(r), caller(r));
    ByteBuffer all = ByteBuffer.allocate(XATTR_LIST_MAX + 1);
    for (String n : names) {
      byte[] b = n.getBytes(StandardCharsets.UTF_8);
      if (all.remaining() < b.length + 1) {
        throw new FsException(Errno.E2BIG, "the names of the xattrs of inode " + ino(r)
            + " exceed 64 KiB");
      }
      all.put(b).put((byte) 0);
    }
    byte[] list = new byte[all.position()];
    all.flip().get(list);
    value(r, reply, size, list);
  }

  /** getxattr(2)'s protocol: size 0 asks for the length; a buffer too small is ERANGE. */
  private static void value(FuseRequest r, FuseReply reply, int size, byte[] v)
      throws IOException {
    ByteBuffer b = reply.begin(r.unique());
    if (size == 0) {
      b.putInt(v.length);
      b.putInt(0);
    } else if (size < v.length) {
      throw new FsException(Errno.ERANGE, "value of " + v.length + " bytes, buffer of " + size);
    } else {
      b.put(v);
    }
    reply.send();
  }
}
