package org.gfsj.journal.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Wraps a device to make it fail the way disks and hosts fail, for crash and error tests.
 *
 * <ul>
 *   <li>Crash: writes are numbered from 1; after {@link #crashAfterWrite(long) write N} every later
 *       write vanishes and throws {@link SimulatedCrashException}, as if the host lost power, so that
 *       nothing built on a lost write is ever acknowledged. Flushes after the crash throw too.
 *   <li>Torn writes: the write that crosses the crash point lands in part, some 512-byte sectors of
 *       it and not others, as a multi-sector write does when power fails during it.
 *   <li>A volatile write cache: at the crash, each block written since the last flush keeps the
 *       contents of a random one of its unflushed writes, or its flushed contents, block by block
 *       independently, as a disk cache that reorders writes does. Only a flush or an FUA write
 *       makes a write survive for sure.
 *   <li>I/O errors on chosen blocks, for reads, writes or both.
 *   <li>Latency added to every operation.
 * </ul>
 */
public final class FaultInjectingBlockDevice implements BlockDevice {
  private static final int SECTOR = 512;

  private final BlockDevice delegate;
  private final AtomicLong writes = new AtomicLong();
  private final ConcurrentHashMap<Long, Failing> failing = new ConcurrentHashMap<>();
  private volatile long crashAfter = Long.MAX_VALUE;
  private volatile long crashAtFlushAfterWrite = Long.MAX_VALUE;
  private volatile boolean tear;
  private volatile Random tearRandom = new Random(0);
  private volatile long latencyNanos;
  private volatile boolean crashed;
  /** With a volatile cache: per block, its flushed contents then each unflushed write's. */
  private Map<Long, List<byte[]>> unflushed;
  private Random cacheRandom;

  /** Which operations fail on a block. */
  public enum Failing {
    READ,
    WRITE,
    BOTH
  }

  public FaultInjectingBlockDevice(BlockDevice delegate) {
    this.delegate = delegate;
  }

  /** Lets writes 1..n land and makes every later one vanish. */
  public FaultInjectingBlockDevice crashAfterWrite(long n) {
    this.crashAfter = n;
    return this;
  }

  /** Makes the write that crosses the crash point land in part, sectors chosen by {@code seed}. */
  public FaultInjectingBlockDevice tearCrashingWrite(long seed) {
    this.tear = true;
    this.tearRandom = new Random(seed);
    return this;
  }

  /** Models a volatile write cache whose unflushed writes survive the crash at random. */
  public synchronized FaultInjectingBlockDevice volatileCache(long seed) {
    this.unflushed = new HashMap<>();
    this.cacheRandom = new Random(seed);
    return this;
  }

  /**
   * Cuts the power at the first flush asked for once write {@code n} has been issued, before that
   * flush runs: what the writes since the last flush were exposed to is then the cache's choice.
   */
  public FaultInjectingBlockDevice crashAtFirstFlushAfterWrite(long n) {
    this.crashAtFlushAfterWrite = n;
    return this;
  }

  /** Cuts the power now: unflushed writes are lost as at a crash, and nothing more lands. */
  public void crashNow() throws IOException {
    if (!crashed) {
      crashed = true;
      crashAfter = writes.get();
      loseUnflushed();
    }
  }

  /** Makes operations on {@code block} fail with an I/O error. */
  public FaultInjectingBlockDevice failBlock(long block, Failing what) {
    failing.put(block, what);
    return this;
  }

  /** Stops failing operations on {@code block}. */
  public FaultInjectingBlockDevice healBlock(long block) {
    failing.remove(block);
    return this;
  }

  /** Adds {@code latency} to every read, write and flush. */
  public FaultInjectingBlockDevice latency(Duration latency) {
    this.latencyNanos = latency.toNanos();
    return this;
  }

  /** How many writes were issued, including those that vanished. */
  public long writeCount() {
    return writes.get();
  }

  /** Whether the crash point has been passed. */
  public boolean crashed() {
    return crashed;
  }

  @Override
  public int blockSize() {
    return delegate.blockSize();
  }

  @Override
  public long blockCount() {
    return delegate.blockCount();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void read(long block, ByteBuffer dst) throws IOException {
    delay();
    int count = blocksIn(dst);
    checkFailing(block, count, Failing.READ);
    delegate.read(block, dst);
  }

  @Override
  public void write(long block, ByteBuffer src, WriteMode mode) throws IOException {
    delay();
    int count = blocksIn(src);
    checkRange(block, count);
    checkFailing(block, count, Failing.WRITE);
    long n = writes.incrementAndGet();
    if (n <= crashAfter && !crashed) {
      remember(block, src, mode);
      delegate.write(block, src, mode);
      return;
    }
    boolean first = !crashed;
    crashed = true;
    if (first && tear) {
      writeTorn(block, src);
    }
    if (first) {
      loseUnflushed();
    }
    src.position(src.limit());
    throw new SimulatedCrashException(name() + ": write " + n + " at block " + block
        + " lost: the device crashed after write " + crashAfter);
  }

  private synchronized void remember(long block, ByteBuffer src, WriteMode mode)
      throws IOException {
    if (unflushed == null) {
      return;
    }
    int bs = blockSize();
    int count = src.remaining() / bs;
    for (int i = 0; i < count; i++) {
      byte[] next = new byte[bs];
      src.get(src.position() + i * bs, next);
      if (mode == WriteMode.FUA) {
        unflushed.remove(block + i);
        continue;
      }
      List<byte[]> versions = unflushed.get(block + i);
      if (versions == null) {
        ByteBuffer flushed = ByteBuffer.allocate(bs);
        delegate.read(block + i, flushed);
        versions = new ArrayList<>();
        versions.add(flushed.array());
        unflushed.put(block + i, versions);
      }
      versions.add(next);
    }
  }

  /** At the crash: every block keeps its flushed contents or one of its unflushed writes. */
  private synchronized void loseUnflushed() throws IOException {
    if (unflushed == null) {
      return;
    }
    for (Map.Entry<Long, List<byte[]>> e : unflushed.entrySet()) {
      List<byte[]> versions = e.getValue();
      byte[] kept = versions.get(cacheRandom.nextInt(versions.size()));
      delegate.write(e.getKey(), ByteBuffer.wrap(kept));
    }
    unflushed.clear();
  }

  private void writeTorn(long block, ByteBuffer src) throws IOException {
    int bs = blockSize();
    int count = src.remaining() / bs;
    ByteBuffer current = ByteBuffer.allocate(bs);
    for (int i = 0; i < count; i++) {
      current.clear();
      delegate.read(block + i, current);
      byte[] merged = current.array();
      boolean changed = false;
      for (int s = 0; s < bs / SECTOR; s++) {
        if (tearRandom.nextBoolean()) {
          src.get(src.position() + i * bs + s * SECTOR, merged, s * SECTOR, SECTOR);
          changed = true;
        }
      }
      if (changed) {
        delegate.write(block + i, ByteBuffer.wrap(merged));
      }
    }
  }

  @Override
  public void flush() throws IOException {
    delay();
    if (writes.get() >= crashAtFlushAfterWrite) {
      crashNow();
    }
    if (crashed) {
      throw new SimulatedCrashException(name() + ": flush after the crash point");
    }
    delegate.flush();
    synchronized (this) {
      if (unflushed != null) {
        unflushed.clear();
      }
    }
  }

  @Override
  public void trim(long block, long count) throws IOException {
    if (crashed) {
      throw new SimulatedCrashException(name() + ": trim after the crash point");
    }
    delegate.trim(block, count);
  }

  private void checkFailing(long block, int count, Failing op) throws BlockDeviceException {
    if (failing.isEmpty()) {
      return;
    }
    for (long b = block; b < block + count; b++) {
      Failing f = failing.get(b);
      if (f == Failing.BOTH || f == op) {
        throw new BlockDeviceException(name(), "injected " + op.name().toLowerCase()
            + " error at block " + b);
      }
    }
  }

  private void delay() {
    long nanos = latencyNanos;
    if (nanos > 0) {
      LockSupport.parkNanos(nanos);
    }
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  /** The I/O error a write or flush gets after the simulated crash. */
  public static final class SimulatedCrashException extends IOException {
    private static final long serialVersionUID = 1L;

    SimulatedCrashException(String message) {
      super(message);
    }
  }
}
