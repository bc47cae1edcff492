package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.FsStatistics;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;

/**
 * A small in-memory {@link Vfs} that lets the FUSE front be tested through real mounts on its own:
 * one lock around everything, owner-only permission checks, cookies from a per-directory sequence.
 */
final class MemoryVfs implements Vfs {
  private static final long ROOT = 1;

  private static final class Node {
    final long ino;
    int mode;
    int uid;
    int gid;
    int nlink;
    long rdev;
    byte[] data = new byte[0];
    long size;
    String target;
    long atime;
    long mtime;
    long ctime;
    final TreeMap<Long, String> bySeq = new TreeMap<>();
    final Map<String, Long> seqOf = new HashMap<>();
    final Map<String, Long> children = new HashMap<>();
    long nextSeq = 3;
    long parent;
    final Map<String, byte[]> xattrs = new TreeMap<>();

    Node(long ino, int mode, Caller c) {
      this.ino = ino;
      this.mode = mode;
      this.uid = c.uid();
      this.gid = c.gid();
      long now = System.currentTimeMillis() * 1_000_000L;
      atime = mtime = ctime = now;
    }

    boolean dir() {
      return FileType.ofMode(mode) == FileType.DIRECTORY;
    }
  }

  private final Map<Long, Node> nodes = new HashMap<>();
  private final Map<Long, Long> handles = new HashMap<>();
  private final AtomicLong nextIno = new AtomicLong(ROOT + 1);
  private final AtomicLong nextHandle = new AtomicLong(1);
  final AtomicLong closes = new AtomicLong();

  MemoryVfs() {
    Node root = new Node(ROOT, FileType.DIRECTORY.modeBits() | 0755, Caller.ROOT);
    root.nlink = 2;
    root.parent = ROOT;
    nodes.put(ROOT, root);
  }

  @Override
  public long root() {
    return ROOT;
  }

  @Override
  public UUID uuid() {
    return new UUID(0, 1);
  }

  private Node node(long ino) throws FsException {
    Node n = nodes.get(ino);
    if (n == null) {
      throw new FsException(Errno.ESTALE, "no inode " + ino);
    }
    return n;
  }

  private Node dir(long ino) throws FsException {
    Node n = node(ino);
    if (!n.dir()) {
      throw new FsException(Errno.ENOTDIR, ino + " is not a directory");
    }
    return n;
  }

  private static Attributes attrs(Node n) {
    return new Attributes(n.ino, 0, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.size,
        (n.size + 511) / 512, 4096, n.atime, n.mtime, n.ctime);
  }

  private static void needWrite(Node n, Caller c) throws FsException {
    if (!c.isRoot() && c.uid() != n.uid) {
      throw new FsException(Errno.EACCES, "only the owner writes in this model");
    }
  }

  @Override
  public synchronized Attributes getattr(long ino) throws IOException {
    return attrs(node(ino));
  }

  @Override
  public synchronized Attributes lookup(long dir, String name, Caller caller) throws IOException {
    Node d = dir(dir);
    if (name.length() > 255) {
      throw new FsException(Errno.ENAMETOOLONG, name);
    }
    Long ino = children(d, name);
    if (ino == null) {
      throw new FsException(Errno.ENOENT, name);
    }
    return attrs(node(ino));
  }

  private static Long children(Node d, String name) {
    if (name.equals(".")) {
      return d.ino;
    }
    if (name.equals("..")) {
      return d.parent;
    }
    return d.children.get(name);
  }

  @Override
  public synchronized Attributes setattr(long ino, SetAttributes ch, Caller caller)
      throws IOException {
    Node n = node(ino);
    if (ch.mode() != null || ch.uid() != null || ch.gid() != null) {
      needWrite(n, caller);
    }
    if (ch.mode() != null) {
      n.mode = (n.mode & FileType.S_IFMT) | (ch.mode() & 07777);
    }
    if (ch.uid() != null) {
      n.uid = ch.uid();
    }
    if (ch.gid() != null) {
      n.gid = ch.gid();
    }
    if (ch.size() != null) {
      resize(n, ch.size());
      n.mtime = now();
    }
    if (ch.atimeNanos() != null) {
      n.atime = ch.atimeNanos() == SetAttributes.NOW ? now() : ch.atimeNanos();
    }
    if (ch.mtimeNanos() != null) {
      n.mtime = ch.mtimeNanos() == SetAttributes.NOW ? now() : ch.mtimeNanos();
    }
    n.ctime = now();
    return attrs(n);
  }

  private static long now() {
    return System.currentTimeMillis() * 1_000_000L;
  }

  private static void resize(Node n, long size) {
    if (size > n.data.length) {
      n.data = Arrays.copyOf(n.data, (int) Math.max(size, n.data.length * 2L));
    } else {
      Arrays.fill(n.data, (int) size, n.data.length, (byte) 0);
    }
    n.size = size;
  }

  @Override
  public synchronized void access(long ino, int mask, Caller caller) throws IOException {
    Node n = node(ino);
    if ((mask & W_OK) != 0) {
      needWrite(n, caller);
    }
  }

  private Node add(long dir, String name, int mode, Caller caller) throws IOException {
    Node d = dir(dir);
    needWrite(d, caller);
    if (children(d, name) != null) {
      throw new FsException(Errno.EEXIST, name);
    }
    Node n = new Node(nextIno.getAndIncrement(), mode, caller);
    n.nlink = 1;
    nodes.put(n.ino, n);
    enter(d, name, n.ino);
    return n;
  }

  private static void enter(Node d, String name, long ino) {
    long seq = d.nextSeq++;
    d.bySeq.put(seq, name);
    d.seqOf.put(name, seq);
    d.children.put(name, ino);
    d.mtime = d.ctime = now();
  }

  private static void remove(Node d, String name) {
    d.bySeq.remove(d.seqOf.remove(name));
    d.children.remove(name);
    d.mtime = d.ctime = now();
  }

  @Override
  public synchronized Attributes mknod(long dir, String name, int mode, long rdev, Caller caller)
      throws IOException {
    Node n = add(dir, name, mode, caller);
    n.rdev = rdev;
    return attrs(n);
  }

  @Override
  public synchronized Attributes mkdir(long dir, String name, int mode, Caller caller)
      throws IOException {
    Node n = add(dir, name, FileType.DIRECTORY.modeBits() | (mode & 07777), caller);
    n.nlink = 2;
    n.parent = dir;
    nodes.get(dir).nlink++;
    return attrs(n);
  }

  @Override
  public synchronized Attributes symlink(long dir, String name, String target, Caller caller)
      throws IOException {
    Node n = add(dir, name, FileType.SYMLINK.modeBits() | 0777, caller);
    n.target = target;
    n.size = target.length();
    return attrs(n);
  }

  @Override
  public synchronized String readlink(long ino, Caller caller) throws IOException {
    Node n = node(ino);
    if (n.target == null) {
      throw new FsException(Errno.EINVAL, "not a symlink");
    }
    return n.target;
  }

  @Override
  public synchronized Attributes link(long ino, long dir, String name, Caller caller)
      throws IOException {
    Node n = node(ino);
    if (n.dir()) {
      throw new FsException(Errno.EPERM, "hard link to a directory");
    }
    Node d = dir(dir);
    needWrite(d, caller);
    if (children(d, name) != null) {
      throw new FsException(Errno.EEXIST, name);
    }
    enter(d, name, ino);
    n.nlink++;
    n.ctime = now();
    return attrs(n);
  }

  @Override
  public synchronized void unlink(long dir, String name, Caller caller) throws IOException {
    Node d = dir(dir);
    needWrite(d, caller);
    Long ino = d.children.get(name);
    if (ino == null) {
      throw new FsException(Errno.ENOENT, name);
    }
    Node n = node(ino);
    if (n.dir()) {
      throw new FsException(Errno.EISDIR, name);
    }
    remove(d, name);
    drop(n);
  }

  private void drop(Node n) {
    n.nlink--;
    n.ctime = now();
    if (n.nlink == 0 && !handles.containsValue(n.ino)) {
      nodes.remove(n.ino);
    }
  }

  @Override
  public synchronized void rmdir(long dir, String name, Caller caller) throws IOException {
    Node d = dir(dir);
    needWrite(d, caller);
    Long ino = d.children.get(name);
    if (ino == null) {
      throw new FsException(Errno.ENOENT, name);
    }
    Node n = dir(ino);
    if (!n.children.isEmpty()) {
      throw new FsException(Errno.ENOTEMPTY, name);
    }
    remove(d, name);
    d.nlink--;
    nodes.remove(ino);
  }

  @Override
  public synchronized void rename(long fromDir, String fromName, long toDir, String toName,
      int flags, Caller caller) throws IOException {
    Node from = dir(fromDir);
    Node to = dir(toDir);
    Long ino = from.children.get(fromName);
    if (ino == null) {
      throw new FsException(Errno.ENOENT, fromName);
    }
    Long old = to.children.get(toName);
    if (old != null) {
      if (old.equals(ino)) {
        return;
      }
      Node o = node(old);
      if (o.dir()) {
        if (!o.children.isEmpty()) {
          throw new FsException(Errno.ENOTEMPTY, toName);
        }
        remove(to, toName);
        to.nlink--;
        nodes.remove(old);
      } else {
        remove(to, toName);
        drop(o);
      }
    }
    remove(from, fromName);
    enter(to, toName, ino);
    Node n = node(ino);
    if (n.dir() && fromDir != toDir) {
      n.parent = toDir;
      from.nlink--;
      to.nlink++;
    }
  }

  @Override
  public synchronized long open(long ino, int flags, Caller caller) throws IOException {
    Node n = node(ino);
    if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) {
      needWrite(n, caller);
    }
    long h = nextHandle.getAndIncrement();
    handles.put(h, ino);
    return h;
  }

  @Override
  public synchronized Created create(long dir, String name, int mode, int flags, Caller caller)
      throws IOException {
    Long existing = dir(dir).children.get(name);
    Node n = existing != null ? node(existing) : add(dir, name, mode, caller);
    return new Created(attrs(n), open(n.ino, flags, caller));
  }

  @Override
  public synchronized int read(long ino, long handle, long offset, ByteBuffer dst)
      throws IOException {
    Node n = node(ino);
    if (offset >= n.size) {
      return 0;
    }
    int count = (int) Math.min(dst.remaining(), n.size - offset);
    dst.put(n.data, (int) offset, count);
    return count;
  }

  @Override
  public synchronized int write(long ino, long handle, long offset, ByteBuffer src, Caller caller)
      throws IOException {
    Node n = node(ino);
    int count = src.remaining();
    if (offset + count > n.size) {
      resize(n, offset + count);
    }
    src.get(n.data, (int) offset, count);
    n.mtime = n.ctime = now();
    return count;
  }


  @Override
  public void fsync(long ino, long handle, boolean dataOnly) {}

  @Override
  public synchronized void release(long ino, long handle) throws IOException {
    handles.remove(handle);
    Node n = nodes.get(ino);
    if (n != null && n.nlink == 0 && !handles.containsValue(ino)) {
      nodes.remove(ino);
    }
  }

  @Override
  public void fallocate(long ino, int mode, long offset, long length, Caller caller)
      throws IOException {
    throw new FsException(Errno.EOPNOTSUPP, "fallocate is not modelled");
  }

  @Override
  public synchronized List<DirectoryEntryView> readdir(long dir, long cookie, int max,
      Caller caller) throws IOException {
    Node d = dir(dir);
    List<DirectoryEntryView> out = new ArrayList<>();
    if (cookie < 1) {
      out.add(new DirectoryEntryView(".", d.ino, FileType.DIRECTORY, 1));
    }
    if (cookie < 2) {
      out.add(new DirectoryEntryView("..", d.parent, FileType.DIRECTORY, 2));
    }
    for (Map.Entry<Long, String> e : d.bySeq.tailMap(cookie, false).entrySet()) {
      if (out.size() >= max) {
        break;
      }
      long ino = d.children.get(e.getValue());
      out.add(new DirectoryEntryView(e.getValue(), ino, FileType.ofMode(node(ino).mode),
          e.getKey()));
    }
    return out;
  }

  @Override
  public FsStatistics statfs() {
    return new FsStatistics(4096, 1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 255);
  }

  @Override
  public synchronized byte[] getxattr(long ino, String name, Caller caller) throws IOException {
    byte[] v = node(ino).xattrs.get(name);
    if (v == null) {
      throw new FsException(Errno.ENODATA, name);
    }
    return v;
  }

  @Override
  public synchronized void setxattr(long ino, String name, byte[] value, int flags, Caller caller)
      throws IOException {
    node(ino).xattrs.put(name, value.clone());
  }

  @Override
  public synchronized List<String> listxattr(long ino, Caller caller) throws IOException {
    return new ArrayList<>(node(ino).xattrs.keySet());
  }

  @Override
  public synchronized void removexattr(long ino, String name, Caller caller) throws IOException {
    if (node(ino).xattrs.remove(name) == null) {
      throw new FsException(Errno.ENODATA, name);
    }
  }

  @Override
  public void sync() {}

  @Override
  public void close() {
    closes.incrementAndGet();
  }
}
