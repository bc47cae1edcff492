package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.gfsj.fs.vfs.Attributes;

/**
 * A worker's reply buffer: {@code struct fuse_out_header} (len, error, unique; 16 bytes) and
 * the body after it, written to /dev/fuse in one write. Attribute and entry bodies are encoded
 * here, as {@code struct fuse_attr}, {@code fuse_attr_out} and {@code fuse_entry_out}.
 */
final class FuseReply {
  static final int HEADER_SIZE = 16;
  /** {@code sizeof(struct fuse_attr)}. */
  static final int ATTR_SIZE = 88;
  /** {@code sizeof(struct fuse_entry_out)}. */
  static final int ENTRY_SIZE = 40 + ATTR_SIZE;

  /** {@code FUSE_NOTIFY_INVAL_INODE}, sent in the error field of a header with unique 0. */
  private static final int NOTIFY_INVAL_INODE = 2;
  private static final int NOTIFY_INVAL_INODE_SIZE = HEADER_SIZE + 24;

  private final FuseDevice device;
  private final ByteBuffer buffer;
  private final long address;
  private final ByteBuffer notice;
  private final long noticeAddress;
  private long unique;

  FuseReply(FuseDevice device, ByteBuffer direct) {
    this.device = device;
    this.buffer = direct.order(ByteOrder.LITTLE_ENDIAN);
    this.address = device.address(direct);
    this.notice = ByteBuffer.allocateDirect(NOTIFY_INVAL_INODE_SIZE)
        .order(ByteOrder.LITTLE_ENDIAN);
    this.noticeAddress = device.address(notice);
  }

  /**
   * Tells the kernel that the attributes it caches for {@code nodeId} are stale (its pages are
   * left alone: offset -1), for a change the server made that no reply carried back.
   */
  void invalidateAttributes(long nodeId) throws IOException {
    notice.clear();
    notice.putInt(0, NOTIFY_INVAL_INODE_SIZE).putInt(4, NOTIFY_INVAL_INODE).putLong(8, 0);
    notice.putLong(16, nodeId).putLong(24, -1).putLong(32, 0);
    device.write(noticeAddress, NOTIFY_INVAL_INODE_SIZE);
  }

  /** Starts the reply to request {@code unique}: the body goes after the header. */
  ByteBuffer begin(long unique) {
    this.unique = unique;
    buffer.clear().position(HEADER_SIZE);
    return buffer;
  }

  /** Sends what was put since {@link #begin} as a successful reply. */
  void send() throws IOException {
    int length = buffer.position();
    buffer.putInt(0, length).putInt(4, 0).putLong(8, unique);
    device.write(address, length);
  }

  /** Sends an error reply ({@code errno} positive) to request {@code unique}. */
  void error(long unique, int errno) throws IOException {
    buffer.clear();
    buffer.putInt(0, HEADER_SIZE).putInt(4, -errno).putLong(8, unique);
    device.write(address, HEADER_SIZE);
  }

  /** {@code struct fuse_attr}. */
  static void putAttr(ByteBuffer b, Attributes a) {
    b.putLong(a.ino());
    b.putLong(a.size());
    b.putLong(a.blocks512());
    b.putLong(seconds(a.atimeNanos()));
    b.putLong(seconds(a.mtimeNanos()));
    b.putLong(seconds(a.ctimeNanos()));
    b.putInt(nanos(a.atimeNanos()));
    b.putInt(nanos(a.mtimeNanos()));
    b.putInt(nanos(a.ctimeNanos()));
    b.putInt(a.mode());
    b.putInt(a.nlink());
    b.putInt(a.uid());
    b.putInt(a.gid());
    b.putInt((int) a.rdev());
    b.putInt(a.blockSize());
    b.putInt(0); // flags
  }

  /** {@code struct fuse_entry_out}: the node id, and how long name and attributes may be cached. */
  static void putEntry(ByteBuffer b, long nodeId, Attributes a, KernelCaching t) {
    b.putLong(nodeId);
    b.putLong(a == null ? 0 : a.generation());
    b.putLong(t.entrySeconds());
    b.putLong(t.attrSeconds());
    b.putInt(t.entryNanos());
    b.putInt(t.attrNanos());
    if (a == null) {
      b.position(b.position() + ATTR_SIZE);
    } else {
      putAttr(b, a);
    }
  }

  /** {@code struct fuse_attr_out}. */
  static void putAttrOut(ByteBuffer b, Attributes a, KernelCaching t) {
    b.putLong(t.attrSeconds());
    b.putInt(t.attrNanos());
    b.putInt(0);
    putAttr(b, a);
  }

  private static long seconds(long nanos) {
    return Math.floorDiv(nanos, 1_000_000_000L);
  }

  private static int nanos(long nanos) {
    return (int) Math.floorMod(nanos, 1_000_000_000L);
  }
}
