package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The INIT handshake: the protocol version and the features GFSJ asks of the kernel.
 *
 * <ul>
 *   <li>FUSE_MAX_PAGES with {@link #MAX_PAGES}: read and write requests of up to 1 MiB (the
 *       kernel's default is 128 KiB), fewer round trips per byte.
 *   <li>FUSE_DONT_MASK: creates carry the caller's umask beside an unmasked mode, because a new
 *       inode in a directory with a default ACL ignores the umask (POSIX.1e).
 *   <li>FUSE_POSIX_ACL with the {@code default_permissions} mount option: the kernel checks
 *       permissions as for a local filesystem, ACLs included, on every path walk (a FUSE server
 *       sees no request for a cached name, so it cannot check search permission itself).
 *   <li>FUSE_ATOMIC_O_TRUNC: open(O_TRUNC) is one request; FUSE_DO_READDIRPLUS: every listing
 *       carries attributes, so {@code ls -l}, du, rsync and backups need no LOOKUP or GETATTR per
 *       name. With READDIRPLUS_AUTO (option {@code readdirplus=auto}) the kernel asks for them
 *       only at the start of a listing and after lookups in the directory, which saves reading
 *       the inodes of a listing that only wants names (find, ls) but costs a round trip per
 *       name to programs that list first and stat afterwards;
 *       FUSE_PARALLEL_DIROPS: lookups and readdirs in one directory run at once;
 *       FUSE_WRITEBACK_CACHE where {@link KernelCaching} allows it;
 *   <li>FUSE_HANDLE_KILLPRIV_V2: the server clears setuid and setgid on writes, truncates and
 *       chowns, so the kernel no longer asks for the security.capability xattr before every
 *       write(2) (a round trip per write, for an attribute GFSJ files never carry);
 *       FUSE_ASYNC_READ, FUSE_ASYNC_DIO, FUSE_BIG_WRITES.
 * </ul>
 * Locks are left to the kernel (no FUSE_POSIX_LOCKS or FUSE_FLOCK_LOCKS): node-local, right for
 * nolock; a cluster mount will take them through the lock manager.
 */
final class FuseInit {
  static final int MAJOR = 7;
  /** The newest protocol minor whose structures this front encodes. */
  static final int MINOR = 38;
  /** The oldest minor it can serve: the one that added max_pages. */
  static final int OLDEST_MINOR = 28;
  static final int MAX_PAGES = 256;
  static final int MAX_WRITE = MAX_PAGES * 4096;

  static final int ASYNC_READ = 1;
  static final int ATOMIC_O_TRUNC = 1 << 3;
  static final int BIG_WRITES = 1 << 5;
  static final int DONT_MASK = 1 << 6;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int ASYNC_DIO = 1 << 15;
  static final int WRITEBACK_CACHE = 1 << 16;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int POSIX_ACL = 1 << 20;
  static final int MAX_PAGES_FLAG = 1 << 22;
  static final int HANDLE_KILLPRIV_V2 = 1 << 28;

  private static final int WANTED = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | DONT_MASK
      | DO_READDIRPLUS | ASYNC_DIO | PARALLEL_DIROPS | POSIX_ACL
      | MAX_PAGES_FLAG | HANDLE_KILLPRIV_V2;
  private static final int NEEDED = DONT_MASK | POSIX_ACL | MAX_PAGES_FLAG;

  /** What was agreed. */
  record Agreed(int minor, int flags, int maxWrite) {
    boolean writeback() {
      return (flags & WRITEBACK_CACHE) != 0;
    }
  }

  private FuseInit() {}

  /**
   * Answers the kernel's INIT request (the body of {@code request}) with GFSJ's wishes, limited
   * to what the kernel offers and to {@code maxWrite}; with {@code writeback}, FUSE_WRITEBACK_CACHE
   * too.
   */
  static Agreed answer(FuseRequest request, FuseReply reply, int maxWrite, boolean writeback,
      boolean readdirplusAuto) throws IOException {
    int major = request.u32();
    int minor = request.u32();
    int maxReadahead = request.u32();
    int offered = request.u32();
    if (major != MAJOR || minor < OLDEST_MINOR) {
      reply.error(request.unique(), 71); // EPROTO
      throw new IOException("the kernel speaks FUSE " + major + "." + minor + "; GFSJ needs 7."
          + OLDEST_MINOR + " or newer (Linux 4.20 or later)");
    }
    if ((offered & NEEDED) != NEEDED) {
      reply.error(request.unique(), 71);
      throw new IOException("the kernel's FUSE lacks DONT_MASK, POSIX_ACL or MAX_PAGES (offered"
          + " flags 0x" + Integer.toHexString(offered) + "); use Linux 4.20 or later");
    }
    int wanted = WANTED | (writeback ? WRITEBACK_CACHE : 0)
        | (readdirplusAuto ? READDIRPLUS_AUTO : 0);
    int flags = offered & wanted;
    int agreedMinor = Math.min(minor, MINOR);
    int write = Math.min(maxWrite, MAX_WRITE);
    ByteBuffer b = reply.begin(request.unique());
    b.putInt(MAJOR);
    b.putInt(agreedMinor);
    b.putInt(maxReadahead);
    b.putInt(flags);
    b.putShort((short) 64); // max_background
    b.putShort((short) 48); // congestion_threshold
    b.putInt(write);
    b.putInt(1); // time_gran: nanoseconds
    b.putShort((short) ((write + 4095) / 4096)); // max_pages
    b.putShort((short) 0); // map_alignment
    b.putInt(0); // flags2
    b.position(b.position() + 7 * 4); // unused
    reply.send();
    return new Agreed(agreedMinor, flags, write);
  }

}
