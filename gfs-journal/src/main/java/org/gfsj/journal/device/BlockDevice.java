package org.gfsj.journal.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The one door to the shared disk: whole blocks at block addresses.
 *
 * <p>A buffer passed to {@link #read} or {@link #write} covers one or more consecutive blocks: its
 * remaining bytes must be a multiple of {@link #blockSize()}. Reads fill the buffer from its position
 * to its limit and advance the position; writes consume it the same way. Implementations are safe
 * for any number of concurrent readers and writers; two concurrent writes to the same block land in
 * an unspecified order, as on a disk.
 *
 * <p>A write returns once the device has accepted it, which is not durability: only {@link #flush()}
 * (or a write with {@link WriteMode#FUA}) makes earlier writes survive a power loss.
 */
public interface BlockDevice extends Closeable {

  /** The size of one block in bytes, a power of two. */
  int blockSize();

  /** How many whole blocks the device holds. */
  long blockCount();

  /** The device size in bytes. */
  default long size() {
    return blockCount() * blockSize();
  }

  /** A name an operator recognises in an error message: the path or the nbd:// address. */
  String name();

  /** Reads {@code dst.remaining() / blockSize()} blocks starting at {@code block}. */
  void read(long block, ByteBuffer dst) throws IOException;

  /**
   * Takes this host's lock on journal slot {@code slot} for as long as the device stays open, so
   * that two mounts on one host never write one journal. Returns false when another open device
   * on this host (in another process or in this one) holds it. Devices that no host lock covers
   * (an NBD export reached from many hosts, memory) grant every slot: in a cluster, lockd keeps
   * the nodes' journals apart.
   */
  default boolean lockJournalSlot(int slot) throws IOException {
    return true;
  }

  /** Writes {@code src.remaining() / blockSize()} blocks starting at {@code block}. */
  default void write(long block, ByteBuffer src) throws IOException {
    write(block, src, WriteMode.NORMAL);
  }

  /** Writes blocks, durable on return when {@code mode} is {@link WriteMode#FUA}. */
  void write(long block, ByteBuffer src, WriteMode mode) throws IOException;

  /**
   * Writes several runs of blocks, each buffer at its own address. Devices that can batch the
   * requests (NBD keeps them all in flight at once) override this.
   */
  default void write(long[] blocks, ByteBuffer[] srcs) throws IOException {
    if (blocks.length != srcs.length) {
      throw new IllegalArgumentException(blocks.length + " addresses for " + srcs.length + " buffers");
    }
    for (int i = 0; i < blocks.length; i++) {
      write(blocks[i], srcs[i]);
    }
  }

  /** Makes every write that returned before this call durable. */
  void flush() throws IOException;

  /** Tells the device that {@code count} blocks from {@code block} hold nothing of value. */
  default void trim(long block, long count) throws IOException {
    checkRange(block, count);
  }

  /**
   * Throws when {@code [block, block + count)} is not inside the device: an out-of-range address is
   * a bug or a wrong device, never something to pass to the disk.
   */
  default void checkRange(long block, long count) throws BlockDeviceException {
    if (block < 0 || count < 0 || block > blockCount() - count) {
      throw new BlockDeviceException(
          name(),
          "blocks " + block + ".." + (block + count - 1) + " lie outside the device ("
              + blockCount() + " blocks of " + blockSize() + " bytes)");
    }
  }

  /** Returns the number of blocks a buffer covers, or throws if it does not cover whole blocks. */
  default int blocksIn(ByteBuffer buffer) {
    int remaining = buffer.remaining();
    if (remaining % blockSize() != 0) {
      throw new IllegalArgumentException(
          "buffer of " + remaining + " bytes is not a whole number of " + blockSize() + "-byte blocks");
    }
    return remaining / blockSize();
  }
}
