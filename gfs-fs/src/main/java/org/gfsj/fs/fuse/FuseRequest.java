package org.gfsj.fs.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * One request as the kernel wrote it into a worker's buffer: {@code struct fuse_in_header} (40
 * bytes: len, opcode, unique, nodeid, uid, gid, pid, extension length, padding) and the
 * opcode's body after it, read field by field in order. The buffer is the worker's and is
 * reused for its next request, so nothing may keep a view of it past the reply.
 */
final class FuseRequest {
  static final int HEADER_SIZE = 40;

  private final ByteBuffer buffer;
  private int length;
  private int opcode;
  private long unique;
  private long nodeId;
  private int uid;
  private int gid;
  private int pid;

  FuseRequest(ByteBuffer direct) {
    this.buffer = direct.order(ByteOrder.LITTLE_ENDIAN);
  }

  ByteBuffer buffer() {
    return buffer;
  }

  /** Takes the {@code n} bytes just read as the current request; false if they are no request. */
  boolean load(int n) {
    if (n < HEADER_SIZE) {
      return false;
    }
    length = buffer.getInt(0);
    if (length != n) {
      return false;
    }
    opcode = buffer.getInt(4);
    unique = buffer.getLong(8);
    nodeId = buffer.getLong(16);
    uid = buffer.getInt(24);
    gid = buffer.getInt(28);
    pid = buffer.getInt(32);
    int extensions = Short.toUnsignedInt(buffer.getShort(36)) * 8;
    buffer.limit(n - extensions).position(HEADER_SIZE);
    return true;
  }

  int opcode() {
    return opcode;
  }

  long unique() {
    return unique;
  }

  long nodeId() {
    return nodeId;
  }

  int uid() {
    return uid;
  }

  int gid() {
    return gid;
  }

  int pid() {
    return pid;
  }

  int u32() throws FsException {
    need(4);
    return buffer.getInt();
  }

  long u64() throws FsException {
    need(8);
    return buffer.getLong();
  }

  void skip(int bytes) throws FsException {
    need(bytes);
    buffer.position(buffer.position() + bytes);
  }

  /** A NUL-terminated name (UTF-8), as the kernel passes file and xattr names. */
  String name() throws FsException {
    int start = buffer.position();
    for (int i = start; i < buffer.limit(); i++) {
      if (buffer.get(i) == 0) {
        byte[] b = new byte[i - start];
        buffer.get(b);
        buffer.get(); // the NUL
        return new String(b, StandardCharsets.UTF_8);
      }
    }
    throw malformed("a name without its terminating NUL");
  }

  /** The next {@code n} bytes as a view into the request buffer (valid until the reply). */
  ByteBuffer bytes(int n) throws FsException {
    need(n);
    ByteBuffer view = buffer.slice(buffer.position(), n);
    buffer.position(buffer.position() + n);
    return view;
  }

  private void need(int n) throws FsException {
    if (n < 0 || buffer.remaining() < n) {
      throw malformed("a body shorter than its opcode's");
    }
  }

  private FsException malformed(String what) {
    return new FsException(Errno.EINVAL, "FUSE request " + unique + " (opcode " + opcode
        + ") has " + what);
  }
}
