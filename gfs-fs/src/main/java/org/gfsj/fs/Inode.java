package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.format.Timestamp;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;

/**
 * An inode as the node caches it under its glock (GFS2's gfs2_inode): the dinode's fields, the
 * stuffed contents or the block map, and the node-local state no disk holds (open count, the
 * directory's view). {@link #save} writes the fields back into the dinode block inside a
 * transaction.
 */
final class Inode {
  static final int S_ISUID = 04000;
  static final int S_ISGID = 02000;
  static final int S_ISVTX = 01000;

  private final long ino;
  private final Glock glock;
  int mode;
  int uid;
  int gid;
  int nlink;
  long size;
  private long blocks;
  Timestamp atime;
  Timestamp mtime;
  Timestamp ctime;
  /** Dinode flags; a directory gains {@link Dinode#FLAG_HASHED} when it leaves its dinode. */
  int flags;
  final long generation;
  int major;
  int minor;
  int height;
  int entries;
  long xattrBlock;
  private long goal;
  /** The data area while stuffed (height 0); null otherwise. */
  byte[] stuffed;
  final BlockMap map = new BlockMap();
  /** Handles open on this inode on this node. */
  int openCount;
  /** The directory's operations, while cached (directories only). */
  Directory directory;
  /** The access ACL beyond the mode, parsed from the attributes; null when the mode says all. */
  PosixAcl accessAcl;
  /** The default ACL new inodes in this directory inherit; null when none. */
  PosixAcl defaultAcl;

  private Inode(Dinode d, Glock glock) {
    this.ino = d.address();
    this.glock = glock;
    mode = d.mode();
    uid = d.uid();
    gid = d.gid();
    nlink = d.nlink();
    size = d.size();
    blocks = d.blocks();
    atime = d.atime();
    mtime = d.mtime();
    ctime = d.ctime();
    flags = d.flags();
    generation = d.generation();
    major = d.major();
    minor = d.minor();
    height = d.height();
    entries = d.entries();
    xattrBlock = d.xattrBlock();
    goal = d.goal();
  }

  /** Reads dinode {@code ino} through the cache, under {@code glock}. */
  static Inode load(long ino, Glock glock, BufferCache cache) throws IOException {
    BufferCache.Buffer b = cache.read(ino, glock, Dinode::decode);
    Dinode d = Dinode.decodeCached(b.data, ino);
    Inode in = new Inode(d, glock);
    if (d.height() == 0) {
      in.stuffed = new byte[Dinode.dataAreaSize(cache.blockSize())];
      b.data.get(Dinode.DATA_OFFSET, in.stuffed);
    } else {
      in.map.load(d, b.data, cache, glock);
    }
    Xattrs.loadAcls(in, cache);
    return in;
  }

  /** A new inode's fields, to be saved into the freshly allocated dinode {@code ino}. */
  static Inode create(long ino, long generation, int mode, int uid, int gid, Glock glock,
      int blockSize) {
    Timestamp now = now();
    Dinode d = new Dinode(ino, mode, uid, gid, 1, 0, 1, now, now, now, 0, generation, 0, 0, 0, 0,
        0, 0, ino);
    Inode in = new Inode(d, glock);
    in.stuffed = new byte[Dinode.dataAreaSize(blockSize)];
    return in;
  }

  static Timestamp now() {
    return Timestamp.of(Instant.now());
  }

  long ino() {
    return ino;
  }

  Glock glock() {
    return glock;
  }

  long goal() {
    return goal;
  }

  void goal(long g) {
    goal = g;
  }

  void addBlocks(long n) {
    blocks += n;
  }

  long blocks() {
    return blocks;
  }

  FileType type() {
    return FileType.ofMode(mode);
  }

  boolean isDirectory() {
    return type() == FileType.DIRECTORY;
  }

  boolean isSystem() {
    return (flags & Dinode.FLAG_SYSTEM) != 0;
  }

  /** Writes the inode into its dinode block, laying out the block map, inside {@code tx}. */
  void save(FsTransaction tx, BufferCache cache, Allocator allocator) throws IOException {
    ByteBuffer area;
    if (height == 0) {
      area = ByteBuffer.wrap(stuffed);
    } else {
      BlockMap.Encoded e = map.encode(this, tx, allocator, cache);
      height = e.height();
      area = e.bytes();
    }
    int extents = height == 0 ? 0 : area.remaining() / org.gfsj.fs.format.Extent.SIZE;
    Dinode d = new Dinode(ino, mode, uid, gid, nlink, size, blocks, atime, mtime, ctime, flags,
        generation, major, minor, height, extents, entries, xattrBlock, goal);
    BufferCache.Buffer b = cache.read(ino, glock, Dinode::decode);
    d.update(b.data, area);
    tx.change(b);
  }

  void touchCtime() {
    ctime = now();
  }

  void touchMtime() {
    Timestamp now = now();
    mtime = now;
    ctime = now;
  }

  /** Whether {@code caller} may do what {@code mask} (r=4, w=2, x=1) asks, ACL included. */
  boolean permits(Caller caller, int mask) {
    return AccessCheck.permits(mode, uid, gid, accessAcl, caller, mask);
  }

  long rdev() {
    return ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12)
        | ((long) (major & ~0xfff) << 32);
  }

  void rdev(long rdev) {
    major = (int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL));
    minor = (int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL));
  }

  Attributes attributes(int blockSize) {
    return new Attributes(ino, generation, mode, nlink, uid, gid, rdev(), size,
        blocks * (blockSize / 512), blockSize, nanos(atime), nanos(mtime), nanos(ctime));
  }

  static long nanos(Timestamp t) {
    return t.seconds() * 1_000_000_000L + t.nanos();
  }

  static Timestamp timestamp(long nanos) {
    return new Timestamp(Math.floorDiv(nanos, 1_000_000_000L),
        (int) Math.floorMod(nanos, 1_000_000_000L));
  }
}
