package org.gfsj.journal.device;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A device reached through a path: an image file, a loop device or a raw block device (a LUN).
 *
 * <p>Block devices are opened with O_DIRECT so that no host page cache stands between two hosts
 * sharing the LUN; buffers that are not aligned are staged through {@link AlignedBuffers}. Image
 * files use the page cache and {@code fdatasync} on flush, except for large aligned transfers,
 * which take a {@link BulkLane} around it. FUA writes go through a second channel
 * opened with O_DSYNC, which the block layer turns into FUA writes.
 */
public final class PathBlockDevice implements BlockDevice {
  private static final int STAGING_CHUNK = 1 << 20;
  /**
   * The byte offset of journal slot 0's lock; slot N's is the byte at {@code SLOT_LOCKS + N}. Far
   * past the end of any device, and outside the shared host lock's range, so that a mount holds
   * both; mkfs's and fsck's exclusive lock covers it, so they still refuse a mounted device.
   */
  static final long SLOT_LOCKS = 1L << 62;

  private final Path path;
  private final int blockSize;
  private final long blockCount;
  private final FileChannel channel;
  private final FileChannel dsyncChannel;
  private final FileLock hostLock;
  private final List<FileLock> slotLocks = new ArrayList<>();
  private final AlignedBuffers staging;
  private final BulkLane bulk;

  private PathBlockDevice(
      Path path, int blockSize, long blockCount, FileChannel channel, FileChannel dsyncChannel,
      FileLock hostLock, AlignedBuffers staging, BulkLane bulk) {
    this.path = path;
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.channel = channel;
    this.dsyncChannel = dsyncChannel;
    this.hostLock = hostLock;
    this.staging = staging;
    this.bulk = bulk;
  }

  /** Opens {@code path} as a block device with the given options. */
  public static PathBlockDevice open(Path path, DeviceOptions options) throws IOException {
    String name = path.toString();
    BlockSpecial special = BlockSpecial.of(path);
    if (special != null) {
      special.checkNotInUse(name);
    }
    boolean direct = switch (options.direct()) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> special != null;
    };
    List<OpenOption> opts = new ArrayList<>();
    opts.add(StandardOpenOption.READ);
    if (!options.readOnly()) {
      opts.add(StandardOpenOption.WRITE);
    }
    if (direct) {
      opts.add(ExtendedOpenOption.DIRECT);
    }
    FileChannel channel = openChannel(path, name, opts);
    FileChannel dsync = null;
    FileLock lock = null;
    BulkLane bulk = null;
    try {
      long bytes = special != null ? special.sizeBytes() : channel.size();
      long blocks = bytes / options.blockSize();
      if (blocks < options.minimumBlocks()) {
        throw new BlockDeviceException(name, "holds " + blocks + " blocks of " + options.blockSize()
            + " bytes (" + bytes + " bytes) but at least " + options.minimumBlocks()
            + " are needed; use a larger device or image file");
      }
      if (!options.readOnly()) {
        List<OpenOption> dsyncOpts = new ArrayList<>(opts);
        dsyncOpts.add(StandardOpenOption.DSYNC);
        dsync = openChannel(path, name, dsyncOpts);
      }
      lock = takeHostLock(channel, name, options);
      AlignedBuffers staging = direct ? new AlignedBuffers(options.blockSize(), STAGING_CHUNK) : null;
      if (options.direct() == DeviceOptions.Direct.AUTO && !direct) {
        bulk = BulkLane.open(path, opts, options.blockSize());
      }
      return new PathBlockDevice(path, options.blockSize(), blocks, channel, dsync, lock, staging,
          bulk);
    } catch (IOException | RuntimeException e) {
      if (bulk != null) {
        closeQuietly(bulk.channel());
      }
      closeQuietly(dsync);
      closeQuietly(channel);
      throw e;
    }
  }

  private static FileChannel openChannel(Path path, String name, List<OpenOption> opts)
      throws IOException {
    try {
      return FileChannel.open(path, opts.toArray(new OpenOption[0]));
    } catch (NoSuchFileException e) {
      throw new BlockDeviceException(name, "no such device or image file; check the path", e);
    } catch (AccessDeniedException e) {
      throw new BlockDeviceException(name, "permission denied; run as root or give this user"
          + " read-write access to the device (the disk group)", e);
    } catch (FileSystemException e) {
      if (opts.contains(ExtendedOpenOption.DIRECT) && "Invalid argument".equals(e.getReason())) {
        throw new BlockDeviceException(name, "the filesystem holding it does not support direct I/O;"
            + " open it with direct I/O off", e);
      }
      throw new BlockDeviceException(name, "cannot open: " + e.getReason(), e);
    }
  }

  private static FileLock takeHostLock(FileChannel channel, String name, DeviceOptions options)
      throws IOException {
    if (options.lock() == DeviceOptions.HostLock.NONE) {
      return null;
    }
    boolean shared = options.lock() == DeviceOptions.HostLock.SHARED;
    try {
      FileLock lock = channel.tryLock(0, shared ? SLOT_LOCKS : Long.MAX_VALUE, shared);
      if (lock == null) {
        throw new BlockDeviceException(name, shared
            ? "is opened exclusively by another process on this host (mkfs or fsck running?)"
            : "is in use by another process on this host (mounted?); unmount it first");
      }
      return lock;
    } catch (OverlappingFileLockException e) {
      if (shared) {
        return null; // this process already holds a lock on it: another node of the same test JVM
      }
      throw new BlockDeviceException(name, "is already open in this process", e);
    }
  }

  /**
   * An exclusive fcntl lock on the slot's byte: the kernel drops it when this process ends, even
   * by kill -9, so a crashed mount never leaves its slot taken.
   */
  @Override
  public synchronized boolean lockJournalSlot(int slot) throws IOException {
    try {
      FileLock lock = channel.tryLock(SLOT_LOCKS + slot, 1, false);
      if (lock == null) {
        return false;
      }
      slotLocks.add(lock);
      return true;
    } catch (OverlappingFileLockException e) {
      return false; // held in this process: another mount of the same test JVM
    }
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public String name() {
    return path.toString();
  }

  /** The path this device was opened from. */
  public Path path() {
    return path;
  }

  /** Whether I/O bypasses the host page cache. */
  public boolean isDirect() {
    return staging != null;
  }

  /** Whether large aligned transfers bypass the host page cache while the rest use it. */
  public boolean hasBulkLane() {
    return bulk != null;
  }

  @Override
  public void read(long block, ByteBuffer dst) throws IOException {
    int count = blocksIn(dst);
    checkRange(block, count);
    long pos = block * blockSize;
    try {
      if (bulk != null && bulk.takes(dst)) {
        readFully(bulk.channel(), pos, dst);
        return;
      }
      if (staging == null || staging.isAligned(dst)) {
        readFully(channel, pos, dst);
        return;
      }
      ByteBuffer stage = staging.take();
      try {
        while (dst.hasRemaining()) {
          stage.clear().limit(Math.min(stage.capacity(), dst.remaining()));
          readFully(channel, pos, stage);
          pos += stage.flip().remaining();
          dst.put(stage);
        }
      } finally {
        staging.give(stage);
      }
    } catch (IOException e) {
      throw wrap(e, "read of " + count + " blocks at " + block);
    }
  }

  private void readFully(FileChannel from, long pos, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      int n = from.read(dst, pos);
      if (n < 0) {
        throw new BlockDeviceException(name(), "unexpected end of device at byte " + pos
            + "; was it truncated or resized while open?");
      }
      pos += n;
    }
  }

  @Override
  public void write(long block, ByteBuffer src, WriteMode mode) throws IOException {
    int count = blocksIn(src);
    checkRange(block, count);
    if (dsyncChannel == null) {
      throw new BlockDeviceException(name(), "is open read-only");
    }
    FileChannel target = mode == WriteMode.FUA ? dsyncChannel
        : bulk != null && bulk.takes(src) ? bulk.channel() : channel;
    long pos = block * blockSize;
    try {
      if (staging == null || staging.isAligned(src)) {
        writeFully(target, pos, src);
        return;
      }
      ByteBuffer stage = staging.take();
      try {
        while (src.hasRemaining()) {
          int n = Math.min(stage.capacity(), src.remaining());
          ByteBuffer part = src.slice(src.position(), n);
          stage.clear().put(part).flip();
          writeFully(target, pos, stage);
          src.position(src.position() + n);
          pos += n;
        }
      } finally {
        staging.give(stage);
      }
    } catch (IOException e) {
      throw wrap(e, "write of " + count + " blocks at " + block);
    }
  }

  private static void writeFully(FileChannel target, long pos, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      pos += target.write(src, pos);
    }
  }

  @Override
  public void flush() throws IOException {
    try {
      channel.force(false);
    } catch (IOException e) {
      throw wrap(e, "flush");
    }
  }

  private IOException wrap(IOException e, String what) {
    if (e instanceof BlockDeviceException) {
      return e;
    }
    String hint = e.getMessage() != null && e.getMessage().contains("No space left")
        ? "; the filesystem holding the image file is full: free space there"
        : "; check the device and the kernel log (dmesg)";
    return new BlockDeviceException(name(), what + " failed: " + e.getMessage() + hint, e);
  }

  @Override
  public void close() throws IOException {
    try {
      synchronized (this) {
        for (FileLock l : slotLocks) {
          if (l.isValid()) {
            l.release();
          }
        }
        slotLocks.clear();
      }
      if (hostLock != null && hostLock.isValid()) {
        hostLock.release();
      }
    } finally {
      closeQuietly(dsyncChannel);
      if (bulk != null) {
        closeQuietly(bulk.channel());
      }
      channel.close();
    }
  }

  private static void closeQuietly(FileChannel c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing after a failed open: the first error is the one to report
    }
  }

  @Override
  public String toString() {
    return "PathBlockDevice[" + path + ", " + blockCount + " x " + blockSize
        + (isDirect() ? ", direct" : "") + "]";
  }
}
