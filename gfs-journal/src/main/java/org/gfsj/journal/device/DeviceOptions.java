package org.gfsj.journal.device;

/**
 * How to open a device.
 *
 * @param blockSize the block size the caller addresses the device in
 * @param readOnly open without write access
 * @param lock the host-local lock to take, so that mkfs and fsck never run beside a mount
 * @param direct whether to bypass the host page cache; {@link Direct#AUTO} bypasses it for block
 *     devices (a LUN shared by several hosts) and not for image files
 * @param minimumBlocks refuse a device holding fewer blocks than this (0: no minimum)
 */
public record DeviceOptions(
    int blockSize, boolean readOnly, HostLock lock, Direct direct, long minimumBlocks) {

  public static final int DEFAULT_BLOCK_SIZE = 4096;

  /** Whether I/O bypasses the host page cache. */
  public enum Direct {
    AUTO,
    ON,
    OFF
  }

  /** The advisory lock taken on the device for the life of the open device. */
  public enum HostLock {
    /** No lock: tools that only look. */
    NONE,
    /** Many holders at once: every mount on this host. */
    SHARED,
    /** One holder and no shared ones: mkfs, fsck. */
    EXCLUSIVE
  }

  public DeviceOptions {
    if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
      throw new IllegalArgumentException("block size " + blockSize + " is not a power of two >= 512");
    }
    if (minimumBlocks < 0) {
      throw new IllegalArgumentException("minimum size " + minimumBlocks + " is negative");
    }
  }

  /** Read-write, 4 KiB blocks, no lock, page cache bypassed on block devices only. */
  public static DeviceOptions defaults() {
    return new DeviceOptions(DEFAULT_BLOCK_SIZE, false, HostLock.NONE, Direct.AUTO, 0);
  }

  public DeviceOptions withBlockSize(int size) {
    return new DeviceOptions(size, readOnly, lock, direct, minimumBlocks);
  }

  public DeviceOptions withReadOnly(boolean ro) {
    return new DeviceOptions(blockSize, ro, lock, direct, minimumBlocks);
  }

  public DeviceOptions withLock(HostLock l) {
    return new DeviceOptions(blockSize, readOnly, l, direct, minimumBlocks);
  }

  public DeviceOptions withDirect(Direct d) {
    return new DeviceOptions(blockSize, readOnly, lock, d, minimumBlocks);
  }

  public DeviceOptions withMinimumBlocks(long blocks) {
    return new DeviceOptions(blockSize, readOnly, lock, direct, blocks);
  }
}
