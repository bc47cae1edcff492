package org.gfsj.journal.device;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A pool of direct buffers aligned for O_DIRECT I/O. Callers of a direct-I/O device hand in heap
 * buffers or unaligned slices; the device stages them through these. Pooled rather than per-thread
 * because FUSE callback threads come and go.
 */
final class AlignedBuffers {
  private final int alignment;
  private final int chunkSize;
  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  AlignedBuffers(int alignment, int chunkSize) {
    this.alignment = alignment;
    this.chunkSize = chunkSize;
  }

  /** The largest transfer one staged buffer carries. */
  int chunkSize() {
    return chunkSize;
  }

  /** Whether {@code buffer} can go to the kernel as it is. */
  boolean isAligned(ByteBuffer buffer) {
    return isAligned(buffer, alignment);
  }

  /** Whether {@code buffer}'s remaining bytes can go to O_DIRECT I/O as they are. */
  static boolean isAligned(ByteBuffer buffer, int alignment) {
    return buffer.isDirect()
        && buffer.alignmentOffset(buffer.position(), alignment) == 0
        && buffer.remaining() % alignment == 0;
  }

  ByteBuffer take() {
    ByteBuffer b = free.poll();
    if (b == null) {
      b = ByteBuffer.allocateDirect(chunkSize + alignment).alignedSlice(alignment);
      b.limit(chunkSize);
    }
    return b.clear().limit(chunkSize);
  }

  void give(ByteBuffer buffer) {
    free.offer(buffer);
  }
}
