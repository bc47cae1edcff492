package org.gfsj.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import org.gfsj.journal.log.JournalRegion;
import org.gfsj.journal.log.JournalWriter;
import org.gfsj.journal.log.PinnedBlock;
import org.gfsj.journal.log.Transaction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gfs-tool bench journal}: commits per second and commit latency of the journal with 1, 8 and
 * 64 concurrent committers, beside the device's own cost of one write and one flush, measured on
 * the same image file in the same run.
 */
@Command(
    name = "journal",
    mixinStandardHelpOptions = true,
    description = "Measure journal group commit against the device's own write+flush.")
final class JournalBenchCommand implements Callable<Integer> {

  @Option(names = "--dir", description = "Directory for the image file (default: ${DEFAULT-VALUE}).",
      defaultValue = "/var/tmp")
  Path dir;

  @Option(names = "--seconds", description = "Seconds per measurement (default: ${DEFAULT-VALUE}).",
      defaultValue = "3")
  double seconds;

  @Option(names = "--journal-mb", description = "Journal size in MiB (default: ${DEFAULT-VALUE}).",
      defaultValue = "128")
  int journalMb;

  private static final int BS = 4096;
  private static final int[] COMMITTERS = {1, 8, 64};
  private static final int[] TX_BLOCKS = {1, 16};

  /** One row of the table. */
  private record Row(String what, int threads, int blocks, double opsPerSecond, double p50Micros,
      double p99Micros, double perFlush) {}

  @Override
  public Integer call() throws Exception {
    long journalBlocks = journalMb * 256L;
    long dataBlocks = 64L * 16 * 4;
    Path image = Files.createTempFile(dir, "gfsj-bench-journal", ".img");
    try {
      try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.allocate(1), (journalBlocks + dataBlocks) * BS - 1);
      }
      try (PathBlockDevice dev = PathBlockDevice.open(image, DeviceOptions.defaults())) {
        fillImage(dev);
        List<Row> rows = new ArrayList<>();
        for (int blocks : TX_BLOCKS) {
          rows.add(measureDevice(dev, journalBlocks, blocks, 1));
          rows.add(measureDevice(dev, journalBlocks, blocks, 64));
          for (int threads : COMMITTERS) {
            rows.add(measureJournal(dev, journalBlocks, threads, blocks));
          }
        }
        print(image, rows);
      }
    } finally {
      Files.deleteIfExists(image);
    }
    return 0;
  }

  /** Writes every block once so that the file has no holes: the filesystem allocates nothing later. */
  private static void fillImage(BlockDevice dev) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(256 * BS);
    for (long b = 0; b < dev.blockCount(); b += 256) {
      int n = (int) Math.min(256, dev.blockCount() - b);
      dev.write(b, chunk.clear().limit(n * BS));
    }
    dev.flush();
  }

  /**
   * The peer: one sequential write of {@code blocks} blocks and one flush, back to back, one
   * thread; with {@code batch} > 1, one write of {@code batch} such runs per flush, which is the
   * bandwidth ceiling of any group commit (counted in runs per second).
   */
  private Row measureDevice(BlockDevice dev, long base, int runBlocks, int batch)
      throws IOException {
    int blocks = runBlocks * batch;
    ByteBuffer data = ByteBuffer.allocateDirect(blocks * BS);
    long[] lat = new long[1 << 20];
    int n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    while (System.nanoTime() < end && n < lat.length) {
      long t0 = System.nanoTime();
      dev.write((n * (long) blocks) % (base - blocks), data.clear()); // sequential, as a log
      dev.flush();
      lat[n++] = System.nanoTime() - t0;
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return row(batch == 1 ? "device write+flush" : "device write of " + batch + " runs+flush", 1,
        runBlocks, (long) n * batch, elapsed, Arrays.copyOf(lat, n), batch);
  }

  private Row measureJournal(PathBlockDevice dev, long journalBlocks, int threads, int blocks)
      throws Exception {
    JournalRegion region = new JournalRegion(dev, 0, journalBlocks, "bench journal");
    JournalRegion.format(region);
    ByteBuffer[] images = new ByteBuffer[threads];
    for (int t = 0; t < threads; t++) {
      byte[] b = new byte[BS];
      Arrays.fill(b, (byte) t);
      images[t] = ByteBuffer.wrap(b).asReadOnlyBuffer();
    }
    // The owner writes pinned blocks in place from the committers' (unchanging) images.
    JournalWriter journal = JournalWriter.open(region, (j, through) -> {
      for (PinnedBlock p : j.pinned()) {
        try {
          int t = (int) ((p.block() - journalBlocks) / (16L * 4));
          dev.write(p.block(), images[Math.min(t, threads - 1)].duplicate());
          j.writtenBack(p.block(), p.sequence());
        } catch (IOException e) {
          j.withdraw(e);
          return;
        }
      }
    });
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(threads);
    long[][] lat = new long[threads][];
    int[] counts = new int[threads];
    List<Thread> workers = new ArrayList<>();
    Exception[] failure = new Exception[1];
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w = new Thread(() -> {
        long[] mine = new long[1 << 18];
        int n = 0;
        ready.countDown();
        try {
          ready.await();
          while (!stop.get() && n < mine.length) {
            Transaction tx = new Transaction();
            for (int k = 0; k < blocks; k++) {
              tx.log(journalBlocks + id * 16L * 4 + (n % 4) * 16L + k, images[id].duplicate());
            }
            long t0 = System.nanoTime();
            journal.commit(tx);
            mine[n++] = System.nanoTime() - t0;
          }
        } catch (Exception e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
        lat[id] = Arrays.copyOf(mine, n);
        counts[id] = n;
      }, "committer-" + t);
      workers.add(w);
      w.start();
    }
    ready.await();
    long start = System.nanoTime();
    Thread.sleep((long) (seconds * 1000)); // the measurement window itself, not synchronisation
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    journal.close();
    if (failure[0] != null) {
      throw failure[0];
    }
    long total = Arrays.stream(counts).sum();
    long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
    double perFlush = (double) journal.stats().commits() / journal.stats().logTransactions();
    return row("journal commit", threads, blocks, total, elapsed, all, perFlush);
  }

  private static Row row(String what, int threads, int blocks, long ops, double seconds,
      long[] latencies, double perFlush) {
    Arrays.sort(latencies);
    double p50 = latencies.length == 0 ? 0 : latencies[latencies.length / 2] / 1e3;
    double p99 = latencies.length == 0 ? 0 : latencies[(int) (latencies.length * 0.99)] / 1e3;
    return new Row(what, threads, blocks, ops / seconds, p50, p99, perFlush);
  }

  private void print(Path image, List<Row> rows) {
    System.out.printf("Journal group commit on %s (%d MiB journal, %.0f s per row)%n%n", image,
        journalMb, seconds);
    System.out.println("| what | committers | blocks/tx | ops/s | p50 µs | p99 µs | commits/flush |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Row r : rows) {
      System.out.printf("| %s | %d | %d | %.0f | %.0f | %.0f | %.1f |%n", r.what(), r.threads(),
          r.blocks(), r.opsPerSecond(), r.p50Micros(), r.p99Micros(), r.perFlush());
    }
    System.out.println();
    for (int blocks : TX_BLOCKS) {
      Row device = find(rows, "device write+flush", 1, blocks);
      Row one = find(rows, "journal commit", 1, blocks);
      Row many = find(rows, "journal commit", 64, blocks);
      double scale = many.opsPerSecond() / one.opsPerSecond();
      double cost = one.p50Micros() / device.p50Micros();
      Row ceiling = find(rows, "device write of 64 runs+flush", 1, blocks);
      System.out.printf("%d-block tx: 64 committers reach %.1fx one committer's commits/s"
              + " (target >= 20x: %s), %.0f%% of the device's own ceiling for 64 runs per flush;"
              + " one commit costs %.2fx the device's write+flush at p50 (target <= 1.3x: %s)%n",
          blocks, scale, scale >= 20 ? "met" : "NOT met",
          100 * many.opsPerSecond() / ceiling.opsPerSecond(), cost, cost <= 1.3 ? "met" : "NOT met");
    }
  }

  private static Row find(List<Row> rows, String what, int threads, int blocks) {
    return rows.stream()
        .filter(r -> r.what().equals(what) && r.threads() == threads && r.blocks() == blocks)
        .findFirst().orElseThrow();
  }
}
