package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.gfsj.fs.vfs.Attributes;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.Vfs;

/**
 * READDIR and READDIRPLUS answers: {@code struct fuse_dirent} records (ino, off, namelen, type,
 * name, padded to 8 bytes), each preceded by a {@code fuse_entry_out} in the plus form.
 *
 * <p>A record's {@code off} is the Vfs cookie that resumes the listing after it; the kernel
 * passes back the {@code off} of the last record it consumed, so a listing resumes right
 * where it stopped, also after entries were added or removed in between. Entries that do not
 * fit are left for the next request.
 */
final class DirectoryReplies {
  private static final int DIRENT_HEADER = 24;
  /** Entries asked of the Vfs per round; a page-sized answer takes fewer. */
  private static final int BATCH = 128;

  private final Vfs vfs;
  private final LongUnaryOperator nodeIdOfIno;
  private final KernelCaching caching;

  DirectoryReplies(Vfs vfs, LongUnaryOperator nodeIdOfIno, KernelCaching caching) {
    this.vfs = vfs;
    this.nodeIdOfIno = nodeIdOfIno;
    this.caching = caching;
  }

  /** Puts the entries of {@code dir} from {@code cookie} into {@code out}, at most {@code size} bytes. */
  void list(long dir, long cookie, int size, boolean plus, Caller caller, ByteBuffer out)
      throws IOException {
    int limit = out.position() + size;
    long next = cookie;
    while (true) {
      List<DirectoryEntryView> batch = vfs.readdir(dir, next, BATCH, caller);
      if (batch.isEmpty()) {
        return;
      }
      for (DirectoryEntryView e : batch) {
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        int record = align8((plus ? FuseReply.ENTRY_SIZE : 0) + DIRENT_HEADER + name.length);
        if (out.position() + record > limit) {
          return;
        }
        int start = out.position();
        if (plus) {
          Attributes a = dotOrDotDot(e.name()) ? null : attributesOf(e.ino());
          FuseReply.putEntry(out, a == null ? 0 : nodeIdOfIno.applyAsLong(e.ino()), a, caching);
        }
        out.putLong(e.ino());
        out.putLong(e.nextCookie());
        out.putInt(name.length);
        out.putInt(e.type() == null ? 0 : e.type().direntType());
        out.put(name);
        while (out.position() < start + record) {
          out.put((byte) 0);
        }
        next = e.nextCookie();
      }
    }
  }

  /**
   * The attributes READDIRPLUS hands out with a name, or null (node id 0: "no attributes, ask
   * with a LOOKUP") for an entry removed since the Vfs listed it.
   */
  private Attributes attributesOf(long ino) throws IOException {
    try {
      return vfs.getattr(ino);
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT || e.errno() == Errno.ESTALE) {
        return null;
      }
      throw e;
    }
  }

  private static boolean dotOrDotDot(String name) {
    return name.equals(".") || name.equals("..");
  }

  private static int align8(int n) {
    return (n + 7) & ~7;
  }
}
