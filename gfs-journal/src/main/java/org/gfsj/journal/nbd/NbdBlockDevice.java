package org.gfsj.journal.nbd;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.BlockDeviceException;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.WriteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block device served by an NBD server, {@code nbd://host:port/export}: Debian's nbd-server, so
 * that nodes on different hosts share one disk.
 *
 * <p>The asynchronous methods are the core: each returns at once with a future, so one thread can
 * keep many requests in flight over the single connection. The synchronous {@link BlockDevice}
 * methods wait on them; many threads calling them at once also keep many requests in flight. A
 * buffer handed to an asynchronous method belongs to the device until its future completes: a
 * write's data may be sent again after a reconnect, a read's arrives any time before completion.
 * The futures complete on the client's event loop: a callback may issue further asynchronous
 * requests there, but must not wait for one, which would stall the loop that has to answer it.
 *
 * <p>FUA writes carry the FUA flag when the server accepts it; otherwise the write is followed by a
 * flush, which gives the same guarantee. An export the server marks read-only, or a device opened
 * read-only, refuses writes and trims here, before anything is sent. Host locks and direct I/O in
 * {@link DeviceOptions} concern local paths and do not apply.
 */
public final class NbdBlockDevice implements BlockDevice {
  private static final Logger log = LoggerFactory.getLogger(NbdBlockDevice.class);

  private final NbdClient client;
  private final int blockSize;
  private final long blockCount;
  private final NbdExport export;
  private final String readOnlyReason;

  private NbdBlockDevice(NbdClient client, DeviceOptions options) {
    this.client = client;
    this.blockSize = options.blockSize();
    this.export = client.export();
    this.blockCount = export.size() / blockSize;
    this.readOnlyReason = export.readOnly()
        ? "the server exports it read-only; remove readonly from its section in nbd-server's"
            + " config to write to it"
        : options.readOnly() ? "it was opened read-only" : null;
  }

  /** Connects to {@code address} with the default timeouts. */
  public static NbdBlockDevice open(NbdAddress address, DeviceOptions options) throws IOException {
    return open(address, options, NbdClientOptions.defaults());
  }

  /** Connects to {@code address}, handshakes and checks the export against {@code options}. */
  public static NbdBlockDevice open(
      NbdAddress address, DeviceOptions options, NbdClientOptions clientOptions)
      throws IOException {
    NbdClient client = NbdClient.connect(address, clientOptions, options.blockSize());
    try {
      NbdBlockDevice device = new NbdBlockDevice(client, options);
      device.checkUsable(options);
      return device;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private void checkUsable(DeviceOptions options) throws BlockDeviceException {
    if (blockCount < options.minimumBlocks()) {
      throw new BlockDeviceException(name(), "holds " + blockCount + " blocks of " + blockSize
          + " bytes (" + export.size() + " bytes) but at least " + options.minimumBlocks()
          + " are needed; export a larger image");
    }
    if (export.size() % blockSize != 0) {
      log.warn("{}: export size {} is not a multiple of {}; the last {} bytes are not used",
          name(), export.size(), blockSize, export.size() % blockSize);
    }
    if (readOnlyReason == null && !export.canFlush()) {
      log.warn("{}: the server does not accept FLUSH, so nothing written is known to be durable;"
          + " set flush = true (and fua = true) in the export's section of nbd-server's config",
          name());
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
    return client.name();
  }

  /** Whether NBD clients run on native epoll rather than the JDK's NIO. */
  public static boolean nativeTransport() {
    return NbdTransport.epoll();
  }

  /** What the server said about the export. */
  public NbdExport export() {
    return export;
  }

  /**
   * Reads {@code dst.remaining() / blockSize()} blocks starting at {@code block}. The buffer's
   * position moves to its limit at once; its bytes are valid when the future completes.
   */
  public CompletableFuture<Void> readAsync(long block, ByteBuffer dst) {
    int count = blocksIn(dst);
    try {
      checkRange(block, count);
    } catch (BlockDeviceException e) {
      return CompletableFuture.failedFuture(e);
    }
    long offset = block * blockSize;
    int start = dst.position();
    int end = dst.limit();
    dst.position(end);
    long deadline = client.deadline();
    if (end - start <= NbdProtocol.MAX_PAYLOAD) {
      return client.submit(NbdRequest.read(offset, dst.slice(start, end - start), deadline));
    }
    CompletableFuture<?>[] parts = new CompletableFuture<?>[chunks(end - start)];
    for (int i = 0, pos = start; pos < end; i++, pos += NbdProtocol.MAX_PAYLOAD) {
      int n = Math.min(NbdProtocol.MAX_PAYLOAD, end - pos);
      parts[i] = client.submit(NbdRequest.read(offset + (pos - start), dst.slice(pos, n),
          deadline));
    }
    return CompletableFuture.allOf(parts);
  }

  /**
   * Writes {@code src.remaining() / blockSize()} blocks starting at {@code block}, durable on
   * completion when {@code mode} is {@link WriteMode#FUA}. The buffer's position moves to its limit
   * at once; its bytes must not change until the future completes.
   */
  public CompletableFuture<Void> writeAsync(long block, ByteBuffer src, WriteMode mode) {
    int count = blocksIn(src);
    try {
      checkRange(block, count);
      checkWritable();
    } catch (BlockDeviceException e) {
      return CompletableFuture.failedFuture(e);
    }
    boolean fuaFlag = mode == WriteMode.FUA && export.canFua();
    long offset = block * blockSize;
    int start = src.position();
    int end = src.limit();
    src.position(end);
    long deadline = client.deadline();
    CompletableFuture<Void> written;
    if (end - start <= NbdProtocol.MAX_PAYLOAD) {
      written = client.submit(NbdRequest.write(offset,
          Unpooled.wrappedBuffer(src.slice(start, end - start)), fuaFlag, deadline));
    } else {
      CompletableFuture<?>[] parts = new CompletableFuture<?>[chunks(end - start)];
      for (int i = 0, pos = start; pos < end; i++, pos += NbdProtocol.MAX_PAYLOAD) {
        int n = Math.min(NbdProtocol.MAX_PAYLOAD, end - pos);
        parts[i] = client.submit(NbdRequest.write(offset + (pos - start),
            Unpooled.wrappedBuffer(src.slice(pos, n)), fuaFlag, deadline));
      }
      written = CompletableFuture.allOf(parts);
    }
    if (mode == WriteMode.FUA && !fuaFlag) {
      return written.thenCompose(v -> flushAsync());
    }
    return written;
  }

  /** Makes every write completed before this call durable. */
  public CompletableFuture<Void> flushAsync() {
    if (!export.canFlush()) {
      return CompletableFuture.completedFuture(null); // warned about at open
    }
    return client.submit(NbdRequest.flush(client.deadline()));
  }

  /** Tells the server that {@code count} blocks from {@code block} hold nothing of value. */
  public CompletableFuture<Void> trimAsync(long block, long count) {
    try {
      checkRange(block, count);
      checkWritable();
    } catch (BlockDeviceException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!export.canTrim() || count == 0) {
      return CompletableFuture.completedFuture(null); // a hint the server does not take
    }
    long offset = block * blockSize;
    long bytes = count * blockSize;
    long deadline = client.deadline();
    long maxTrim = Integer.MAX_VALUE / blockSize * (long) blockSize;
    CompletableFuture<?>[] parts = new CompletableFuture<?>[(int) ((bytes + maxTrim - 1) / maxTrim)];
    for (int i = 0; i < parts.length; i++) {
      long at = i * maxTrim;
      parts[i] = client.submit(NbdRequest.trim(offset + at, (int) Math.min(maxTrim, bytes - at),
          deadline));
    }
    return CompletableFuture.allOf(parts);
  }

  private static int chunks(int bytes) {
    return (bytes + NbdProtocol.MAX_PAYLOAD - 1) / NbdProtocol.MAX_PAYLOAD;
  }

  private void checkWritable() throws BlockDeviceException {
    if (readOnlyReason != null) {
      throw new BlockDeviceException(name(), "cannot write: " + readOnlyReason);
    }
  }

  @Override
  public void read(long block, ByteBuffer dst) throws IOException {
    await(readAsync(block, dst));
  }

  @Override
  public void write(long block, ByteBuffer src, WriteMode mode) throws IOException {
    await(writeAsync(block, src, mode));
  }

  /** Sends every write before waiting for any, so that all of them are in flight at once. */
  @Override
  public void write(long[] blocks, ByteBuffer[] srcs) throws IOException {
    if (blocks.length != srcs.length) {
      throw new IllegalArgumentException(blocks.length + " addresses for " + srcs.length
          + " buffers");
    }
    CompletableFuture<?>[] writes = new CompletableFuture<?>[blocks.length];
    for (int i = 0; i < blocks.length; i++) {
      writes[i] = writeAsync(blocks[i], srcs[i], WriteMode.NORMAL);
    }
    // Wait for each in turn so that the first failure reported is the first write's.
    for (CompletableFuture<?> w : writes) {
      await(w);
    }
  }

  @Override
  public void flush() throws IOException {
    await(flushAsync());
  }

  @Override
  public void trim(long block, long count) throws IOException {
    await(trimAsync(block, count));
  }

  private void await(CompletableFuture<?> f) throws IOException {
    // Every request has its own deadline, so this wait ends; the limit only guards against a bug.
    NbdClient.await(f, Duration.ofDays(1), name());
  }

  @Override
  public void close() throws IOException {
    client.close();
  }

  @Override
  public String toString() {
    return "NbdBlockDevice[" + name() + ", " + blockCount + " x " + blockSize
        + (readOnlyReason != null ? ", read-only" : "") + "]";
  }
}
