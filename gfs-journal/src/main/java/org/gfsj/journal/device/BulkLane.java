package org.gfsj.journal.device;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second descriptor on an image file, opened with O_DIRECT, for large aligned transfers: file
 * contents that the FUSE front reads into and writes from page-aligned buffers. Through the page
 * cache such data would be copied once more on every read and write and cached twice, once in
 * the host's cache of the image and once in the kernel's cache of the mounted file. Metadata and
 * small transfers keep using the page cache, where the host's readahead and write-back help them.
 *
 * <p>Linux keeps the two descriptors coherent: a direct read first writes back dirty cached pages
 * of its range, and a direct write drops the cached pages it overwrote. A flush of either
 * descriptor covers both, since both name one file.
 */
final class BulkLane {
  /** Transfers smaller than this gain little from bypassing the cache and lose its write-back. */
  static final int MIN_BYTES = 64 * 1024;

  private final FileChannel channel;
  private final int alignment;

  private BulkLane(FileChannel channel, int alignment) {
    this.channel = channel;
    this.alignment = alignment;
  }

  /**
   * Opens the lane beside a page-cache channel opened with {@code opts}, or returns null when the
   * filesystem holding the image cannot do direct I/O (tmpfs) or its alignment does not divide the
   * device's blocks.
   */
  static BulkLane open(Path path, List<OpenOption> opts, int blockSize) {
    List<OpenOption> direct = new ArrayList<>(opts);
    direct.add(ExtendedOpenOption.DIRECT);
    try {
      int alignment = Math.toIntExact(Files.getFileStore(path).getBlockSize());
      if (alignment <= 0 || blockSize % alignment != 0) {
        return null;
      }
      return new BulkLane(FileChannel.open(path, direct.toArray(new OpenOption[0])), alignment);
    } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
      return null;
    }
  }

  /** Whether {@code buffer}'s remaining bytes can go through this lane as they are. */
  boolean takes(ByteBuffer buffer) {
    return buffer.remaining() >= MIN_BYTES && AlignedBuffers.isAligned(buffer, alignment);
  }

  FileChannel channel() {
    return channel;
  }
}
