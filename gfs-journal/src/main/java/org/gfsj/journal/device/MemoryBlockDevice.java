package org.gfsj.journal.device;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A device held in memory, as the kernel's brd RAM disk: for exhaustive crash sweeps that replay
 * thousands of runs, and for copying a device's state at a crash point.
 */
public final class MemoryBlockDevice implements BlockDevice {
  private final String name;
  private final int blockSize;
  private final byte[][] blocks;

  public MemoryBlockDevice(String name, int blockSize, long blockCount) {
    if (blockCount > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(blockCount + " blocks do not fit in memory");
    }
    this.name = name;
    this.blockSize = blockSize;
    this.blocks = new byte[(int) blockCount][];
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blocks.length;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void read(long block, ByteBuffer dst) {
    int count = blocksIn(dst);
    checkRangeUnchecked(block, count);
    for (int i = 0; i < count; i++) {
      byte[] b = blocks[(int) block + i];
      if (b == null) {
        dst.put(new byte[blockSize]);
      } else {
        dst.put(b);
      }
    }
  }

  @Override
  public synchronized void write(long block, ByteBuffer src, WriteMode mode) {
    int count = blocksIn(src);
    checkRangeUnchecked(block, count);
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[blockSize];
      src.get(b);
      blocks[(int) block + i] = b;
    }
  }

  @Override
  public void flush() {
    // memory is as durable as it gets here
  }

  @Override
  public synchronized void trim(long block, long count) {
    checkRangeUnchecked(block, count);
    Arrays.fill(blocks, (int) block, (int) (block + count), null);
  }

  /** A copy of this device's current contents under another name. */
  public synchronized MemoryBlockDevice copy(String newName) {
    MemoryBlockDevice c = new MemoryBlockDevice(newName, blockSize, blocks.length);
    System.arraycopy(blocks, 0, c.blocks, 0, blocks.length);
    return c;
  }

  /** Whether the two devices hold the same bytes in {@code [from, from + count)}. */
  public synchronized boolean sameContents(MemoryBlockDevice other, long from, long count) {
    for (long b = from; b < from + count; b++) {
      byte[] x = blocks[(int) b];
      byte[] y = other.blocks[(int) b];
      if (x == y) {
        continue;
      }
      if (!Arrays.equals(x == null ? new byte[blockSize] : x, y == null ? new byte[blockSize] : y)) {
        return false;
      }
    }
    return true;
  }

  private void checkRangeUnchecked(long block, long count) {
    if (block < 0 || count < 0 || block > blocks.length - count) {
      throw new IndexOutOfBoundsException(
          name + ": blocks " + block + ".." + (block + count - 1) + " outside " + blocks.length);
    }
  }

  @Override
  public void close() {}
}
