package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.WriteMode;

/** A device that counts the blocks read through it: what a lookup or a check costs, in I/O. */
public final class CountingBlockDevice implements BlockDevice {
  private final BlockDevice device;
  private final AtomicLong blocksRead = new AtomicLong();
  private final ConcurrentHashMap<Long, Long> readsPerBlock = new ConcurrentHashMap<>();

  public CountingBlockDevice(BlockDevice device) {
    this.device = device;
  }

  public long blocksRead() {
    return blocksRead.get();
  }

  /** How many times block {@code block} was read. */
  public long readsOf(long block) {
    return readsPerBlock.getOrDefault(block, 0L);
  }

  @Override
  public int blockSize() {
    return device.blockSize();
  }

  @Override
  public long blockCount() {
    return device.blockCount();
  }

  @Override
  public String name() {
    return device.name();
  }

  @Override
  public void read(long block, ByteBuffer dst) throws IOException {
    int n = blocksIn(dst);
    blocksRead.addAndGet(n);
    for (int i = 0; i < n; i++) {
      readsPerBlock.merge(block + i, 1L, Long::sum);
    }
    device.read(block, dst);
  }

  @Override
  public void write(long block, ByteBuffer src, WriteMode mode) throws IOException {
    device.write(block, src, mode);
  }

  @Override
  public void flush() throws IOException {
    device.flush();
  }

  @Override
  public void close() throws IOException {
    device.close();
  }
}
