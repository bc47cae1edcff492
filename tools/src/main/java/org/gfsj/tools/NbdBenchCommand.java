package org.gfsj.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.BlockDeviceException;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import org.gfsj.journal.device.WriteMode;
import org.gfsj.journal.nbd.NbdBlockDevice;
import org.gfsj.journal.nbd.NbdServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gfs-tool bench nbd}: the NBD client against Debian's nbd-server on 127.0.0.1, beside
 * direct access to the same image through PathBlockDevice, in one run: 1 MiB sequential and 4 KiB
 * random reads and writes at queue depth 1 and 32.
 *
 * <p>The NBD side keeps its queue full through the asynchronous API, each completion issuing the
 * next request, as the filesystem does; the direct side runs one thread per request in flight,
 * since a file channel has no other way to keep several requests at the disk. Each cell alternates
 * the two sides in rounds, so that other work on the host disturbs both alike. nbd-server reads and writes the image
 * through the host's page cache; the direct side bypasses it (O_DIRECT) where the filesystem
 * allows, so it shows what the disk itself does.
 */
@Command(
    name = "nbd",
    mixinStandardHelpOptions = true,
    description = "Measure the NBD client through nbd-server beside direct access to the image.")
final class NbdBenchCommand implements Callable<Integer> {
  private static final int BS = 4096;
  private static final String EXPORT = "bench";

  @Option(names = "--image", description = "Image file to export; its contents are overwritten"
      + " (default: a temporary file in --dir).")
  Path image;

  @Option(names = "--dir", description = "Directory for the temporary image and nbd-server's"
      + " files (default: ${DEFAULT-VALUE}).", defaultValue = "/var/tmp")
  Path dir;

  @Option(names = "--size-mb", description = "Size of a temporary image in MiB"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "256")
  int sizeMb;

  @Option(names = "--seconds", description = "Seconds measured per cell and side, in rounds that"
      + " alternate NBD and direct (default: ${DEFAULT-VALUE}).", defaultValue = "3")
  double seconds;

  /** One access pattern: how big each request is, and where the next one goes. */
  private record Workload(String name, int blocksPerOp, boolean write, boolean random) {
    long blockFor(long sequence, SplittableRandom rnd, long deviceBlocks) {
      long slots = deviceBlocks / blocksPerOp;
      long slot = random ? rnd.nextLong(slots) : sequence % slots;
      return slot * blocksPerOp;
    }

    int bytes() {
      return blocksPerOp * BS;
    }
  }

  private static final List<Workload> WORKLOADS = List.of(
      new Workload("1 MiB sequential read", 256, false, false),
      new Workload("1 MiB sequential write", 256, true, false),
      new Workload("4 KiB random read", 1, false, true),
      new Workload("4 KiB random write", 1, true, true));
  private static final int[] DEPTHS = {1, 32};
  /** Rounds per cell, alternating NBD and direct. */
  private static final int ROUNDS = 3;
  /** Unmeasured start of each round, while the queue fills. */
  private static final double RAMP_UP = 0.1;
  /** Unmeasured run of each workload through NBD before any cell, for the JIT compiler. */
  private static final double JIT_WARMUP = 1.0;

  /** Requests completed in the measured window. */
  private record Result(long ops, long bytes, double seconds) {
    double mbPerSecond() {
      return bytes / seconds / (1 << 20);
    }

    double iops() {
      return ops / seconds;
    }

    Result plus(Result r) {
      return new Result(ops + r.ops, bytes + r.bytes, seconds + r.seconds);
    }
  }

  private record Cell(Workload workload, int depth, Result nbd, Result direct) {
    double ratio() {
      return nbd.bytes() / nbd.seconds() / (direct.bytes() / direct.seconds());
    }
  }

  /** Counts what completes between the end of the warm-up and the end of the cell. */
  private static final class Meter {
    final long start;
    final long end;
    final LongAdder ops = new LongAdder();
    final LongAdder bytes = new LongAdder();

    Meter(double warmupSeconds, double seconds) {
      this.start = System.nanoTime() + (long) (warmupSeconds * 1e9);
      this.end = start + (long) (seconds * 1e9);
    }

    boolean running() {
      return System.nanoTime() < end;
    }

    void done(int n) {
      long now = System.nanoTime();
      if (now >= start && now <= end) {
        ops.increment();
        bytes.add(n);
      }
    }

    Result result() {
      return new Result(ops.sum(), bytes.sum(), (end - start) / 1e9);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path runDir = Files.createTempDirectory(dir, "gfsj-bench-nbd");
    Path target = image != null ? image : runDir.resolve("bench.img");
    long bytes = image != null ? Files.size(image) : (long) sizeMb << 20;
    fill(target, bytes);
    NbdServerProcess server = NbdServerProcess.start(runDir.resolve("server"),
        NbdServerProcess.freePort(), List.of(NbdServerProcess.Export.of(EXPORT, target)));
    // Ctrl-C runs shutdown hooks, not finally blocks: the server must not outlive the command.
    Thread stopServer = new Thread(() -> cleanUp(server, runDir), "stop nbd-server");
    Runtime.getRuntime().addShutdownHook(stopServer);
    try {
      run(server, target);
    } finally {
      cleanUp(server, runDir);
      try {
        Runtime.getRuntime().removeShutdownHook(stopServer);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs anyway
      }
    }
    return 0;
  }

  private void run(NbdServerProcess server, Path target) throws Exception {
    String directNote = "O_DIRECT";
    PathBlockDevice direct;
    try {
      direct = PathBlockDevice.open(target,
          DeviceOptions.defaults().withDirect(DeviceOptions.Direct.ON));
    } catch (BlockDeviceException e) {
      directNote = "page cache (this filesystem refuses O_DIRECT, so direct numbers are flattered)";
      direct = PathBlockDevice.open(target,
          DeviceOptions.defaults().withDirect(DeviceOptions.Direct.OFF));
    }
    try (PathBlockDevice path = direct;
        NbdBlockDevice nbd = NbdBlockDevice.open(server.address(EXPORT), DeviceOptions.defaults())) {
      System.out.printf("image %s, %d MiB; nbd-server %d on %s; NBD client on %s; direct access"
          + " through %s; %.1f s per cell%n%n", target, path.size() >> 20, server.pid(),
          nbd.name(), NbdBlockDevice.nativeTransport() ? "epoll" : "NIO", directNote, seconds);
      for (Workload w : WORKLOADS) {
        measureNbd(nbd, w, DEPTHS[DEPTHS.length - 1], 0, JIT_WARMUP);
      }
      List<Cell> cells = new ArrayList<>();
      for (Workload w : WORKLOADS) {
        for (int depth : DEPTHS) {
          cells.add(measureCell(nbd, path, w, depth));
        }
      }
      print(cells);
    }
  }

  /**
   * Measures NBD and direct access in alternating rounds, so that a burst of other work on the
   * host weighs on both sides alike rather than on whichever ran during it.
   */
  private Cell measureCell(NbdBlockDevice nbd, PathBlockDevice direct, Workload w, int depth)
      throws Exception {
    Result n = new Result(0, 0, 0);
    Result d = new Result(0, 0, 0);
    double round = seconds / ROUNDS;
    for (int i = 0; i < ROUNDS; i++) {
      n = n.plus(measureNbd(nbd, w, depth, RAMP_UP, round));
      d = d.plus(measureDirect(direct, w, depth, RAMP_UP, round));
    }
    return new Cell(w, depth, n, d);
  }

  /**
   * Keeps {@code depth} requests in flight: {@code depth} chains, each issuing its next request
   * from the completion of the last, on the client's event loop, as an asynchronous caller does.
   */
  private Result measureNbd(NbdBlockDevice dev, Workload w, int depth, double warmup,
      double measured) throws Exception {
    Meter meter = new Meter(warmup, measured);
    AtomicLong sequence = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch chainsDone = new CountDownLatch(depth);
    for (int i = 0; i < depth; i++) {
      new Chain(dev, w, buffer(w.bytes(), i), new SplittableRandom(i), sequence, meter, failure,
          chainsDone).next();
    }
    chainsDone.await();
    if (failure.get() != null) {
      throw new IOException("NBD " + w.name() + " failed: " + failure.get().getMessage(),
          failure.get());
    }
    return meter.result();
  }

  /** One request in flight at a time, the next issued when the last completes. */
  private record Chain(NbdBlockDevice dev, Workload w, ByteBuffer buf, SplittableRandom rnd,
      AtomicLong sequence, Meter meter, AtomicReference<Throwable> failure, CountDownLatch done) {
    void next() {
      if (!meter.running() || failure.get() != null) {
        done.countDown();
        return;
      }
      long block = w.blockFor(sequence.getAndIncrement(), rnd, dev.blockCount());
      buf.clear();
      CompletableFuture<Void> f = w.write()
          ? dev.writeAsync(block, buf, WriteMode.NORMAL) : dev.readAsync(block, buf);
      f.whenComplete((v, err) -> {
        if (err != null) {
          failure.compareAndSet(null, err);
        } else {
          meter.done(w.bytes());
        }
        next();
      });
    }
  }

  /** One thread per request in flight, each doing synchronous I/O. */
  private Result measureDirect(BlockDevice dev, Workload w, int depth, double warmup,
      double measured) throws Exception {
    AtomicLong sequence = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Meter meter = new Meter(warmup, measured);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < depth; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        ByteBuffer buf = buffer(w.bytes(), id);
        SplittableRandom rnd = new SplittableRandom(100 + id);
        try {
          while (meter.running()) {
            long block = w.blockFor(sequence.getAndIncrement(), rnd, dev.blockCount());
            buf.clear();
            if (w.write()) {
              dev.write(block, buf);
            } else {
              dev.read(block, buf);
            }
            meter.done(w.bytes());
          }
        } catch (IOException | RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }, "direct " + id);
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IOException("direct " + w.name() + " failed: " + failure.get().getMessage(),
          failure.get());
    }
    return meter.result();
  }

  /** A block-aligned direct buffer full of random bytes, so writes are not all zeroes. */
  private static ByteBuffer buffer(int bytes, int seed) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes + BS).alignedSlice(BS).limit(bytes);
    byte[] random = new byte[bytes];
    new Random(seed).nextBytes(random);
    return b.put(random).clear();
  }

  /** Writes the whole image, so that reads hit data and not holes. */
  private static void fill(Path target, long bytes) throws IOException {
    ByteBuffer chunk = buffer(1 << 20, 7);
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      for (long pos = 0; pos < bytes; pos += chunk.capacity()) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), bytes - pos));
        while (chunk.hasRemaining()) {
          ch.write(chunk, pos + chunk.position());
        }
      }
      ch.force(false);
    }
  }

  private void print(List<Cell> cells) {
    System.out.println("| workload | depth | NBD MB/s | NBD IOPS | direct MB/s | direct IOPS"
        + " | NBD/direct |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Cell c : cells) {
      System.out.printf("| %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f |%n", c.workload().name(),
          c.depth(), c.nbd().mbPerSecond(), c.nbd().iops(), c.direct().mbPerSecond(),
          c.direct().iops(), c.ratio());
    }
    System.out.println();
    for (Cell c : cells) {
      if (c.workload().blocksPerOp() > 1) {
        System.out.printf("target: %s at depth %d through NBD >= 70%% of direct: %.0f%% — %s%n",
            c.workload().name(), c.depth(), c.ratio() * 100, c.ratio() >= 0.7 ? "met" : "NOT met");
      }
    }
    Workload randomRead = WORKLOADS.get(2);
    double q1 = cell(cells, randomRead, 1).nbd().iops();
    double q32 = cell(cells, randomRead, 32).nbd().iops();
    System.out.printf("target: %s through NBD at depth 32 >= 5x depth 1: %.1fx — %s%n",
        randomRead.name(), q32 / q1, q32 >= 5 * q1 ? "met" : "NOT met");
  }

  private static Cell cell(List<Cell> cells, Workload w, int depth) {
    return cells.stream().filter(c -> c.workload() == w && c.depth() == depth).findFirst()
        .orElseThrow();
  }

  /** Runs from the finally block and from the shutdown hook, whichever comes first. */
  private synchronized void cleanUp(NbdServerProcess server, Path runDir) {
    try {
      server.stop();
    } catch (IOException e) {
      System.err.println("gfs-tool bench nbd: could not stop nbd-server " + server.pid() + ": "
          + e.getMessage() + "; kill it by hand");
    }
    try (Stream<Path> files = Files.walk(runDir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("gfs-tool bench nbd: could not remove " + runDir + ": " + e.getMessage());
    }
  }
}
