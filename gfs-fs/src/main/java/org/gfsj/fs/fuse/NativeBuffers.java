package org.gfsj.fs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import jnr.ffi.Pointer;

/**
 * Direct ByteBuffers over libfuse's request buffers, so that file data moves between the kernel
 * and the device without a copy through the Java heap: a FileChannel reads into and writes from
 * a direct buffer as it is. A view is valid only during the callback that received the pointer.
 */
final class NativeBuffers {
  private NativeBuffers() {}

  static ByteBuffer view(Pointer buf, long size) {
    if (size < 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a FUSE buffer of " + size + " bytes");
    }
    if (size == 0) {
      return ByteBuffer.allocate(0);
    }
    return MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
  }
}
