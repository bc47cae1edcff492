package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.WriteMode;

/** A device that counts the blocks read through it: what a lookup costs, in I/O. */
final class CountingBlockDevice implements BlockDevice {
  private final BlockDevice device;
  private final AtomicLong blocksRead = new AtomicLong();

  CountingBlockDevice(BlockDevice device) {
    this.device = device;
  }

  long blocksRead() {
    return blocksRead.get();
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
    blocksRead.addAndGet(blocksIn(dst));
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
