package org.gfsj.journal.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.BlockDeviceException;
import org.gfsj.journal.device.BlockDevices;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.WriteMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NBD client against Debian's real nbd-server, started by each test on a free port. */
@Timeout(120) // a client that hangs fails here instead of holding up the build
class NbdBlockDeviceTest {
  private static final int BLOCK = 4096;
  private static final int BLOCKS = 4096; // 16 MiB

  @TempDir Path dir;
  private Path image;
  private Path log;
  private Path noFuaLog;
  private Path readOnlyLog;
  private NbdServerProcess server;
  private final List<BlockDevice> open = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    image = dir.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength((long) BLOCK * BLOCKS);
    }
    log = dir.resolve("disk.tlog");
    noFuaLog = dir.resolve("nofua.tlog");
    readOnlyLog = dir.resolve("ro.tlog");
    server = NbdServerProcess.start(dir.resolve("run"), NbdServerProcess.freePort(), List.of(
        NbdServerProcess.Export.of("disk", image).withTransactionLog(log),
        NbdServerProcess.Export.of("ro", image).asReadOnly().withTransactionLog(readOnlyLog),
        NbdServerProcess.Export.of("nofua", image).withoutFua().withTransactionLog(noFuaLog)));
  }

  @AfterEach
  void stopServer() throws IOException {
    try {
      server.resume(); // a test that paused it and failed must not leave it stopped
      for (BlockDevice d : open) {
        d.close();
      }
    } finally {
      server.stop();
    }
  }

  private NbdBlockDevice device(String export) throws IOException {
    return device(export, NbdClientOptions.defaults());
  }

  private NbdBlockDevice device(String export, NbdClientOptions options) throws IOException {
    NbdBlockDevice d = NbdBlockDevice.open(server.address(export), DeviceOptions.defaults(),
        options);
    open.add(d);
    return d;
  }

  private static ByteBuffer pattern(long block, int blocks, long seed) {
    byte[] b = new byte[blocks * BLOCK];
    new Random(block * 31 + seed).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  private byte[] imageBytes(long block, int blocks) throws IOException {
    byte[] b = new byte[blocks * BLOCK];
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
      f.seek(block * BLOCK);
      f.readFully(b);
    }
    return b;
  }

  @Test
  void handshakeGivesTheExportsSizeAndFlags() throws IOException {
    NbdBlockDevice d = device("disk");
    assertEquals(BLOCKS, d.blockCount());
    assertEquals((long) BLOCK * BLOCKS, d.size());
    assertTrue(d.export().canFlush() && d.export().canFua() && d.export().canTrim());
    assertFalse(d.export().readOnly());
    assertEquals(server.address("disk").toString(), d.name());
  }

  @Test
  void writesReadBackAtRandomBlocksAndLandAtTheirOffsetsInTheImage() throws IOException {
    NbdBlockDevice d = device("disk");
    byte[] model = new byte[BLOCK * BLOCKS];
    Random r = new Random(42);
    for (int i = 0; i < 200; i++) {
      int blocks = 1 + r.nextInt(16);
      long at = r.nextInt(BLOCKS - blocks + 1);
      ByteBuffer data = pattern(at, blocks, i);
      System.arraycopy(data.array(), 0, model, (int) at * BLOCK, blocks * BLOCK);
      d.write(at, data);
      assertFalse(data.hasRemaining(), "a write consumes its buffer");
    }
    ByteBuffer all = ByteBuffer.allocateDirect(BLOCK * BLOCKS);
    d.read(0, all);
    assertFalse(all.hasRemaining(), "a read fills its buffer");
    byte[] got = new byte[BLOCK * BLOCKS];
    all.flip().get(got);
    assertArrayEquals(model, got, "read back through NBD");
    assertArrayEquals(model, imageBytes(0, BLOCKS), "the image file itself");
  }

  @Test
  void manyThreadsAndDeepQueuesKeepRequestsApart() throws Exception {
    NbdBlockDevice d = device("disk");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        jobs.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            long block = thread * 256 + i;
            d.write(block, pattern(block, 1, 7));
            ByteBuffer back = ByteBuffer.allocate(BLOCK);
            d.read(block, back);
            assertArrayEquals(pattern(block, 1, 7).array(), back.array(), "block " + block);
          }
          return null;
        }));
      }
      for (Future<?> j : jobs) {
        j.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // Queue depth 32 from one thread: 2000 reads, each checked against what it should hold.
    Semaphore window = new Semaphore(32);
    AtomicInteger wrong = new AtomicInteger();
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 2000; i++) {
      int thread = r.nextInt(16);
      long block = thread * 256 + r.nextInt(50);
      ByteBuffer dst = ByteBuffer.allocate(BLOCK);
      window.acquire();
      reads.add(d.readAsync(block, dst).whenComplete((v, err) -> {
        window.release();
        if (err != null || !ByteBuffer.wrap(pattern(block, 1, 7).array()).equals(dst.flip())) {
          wrong.incrementAndGet();
        }
      }));
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertEquals(0, wrong.get(), "reads that came back with another block's data or failed");
  }

  @Test
  void vectoredWriteLandsEveryBuffer() throws IOException {
    NbdBlockDevice d = device("disk");
    long[] blocks = new long[64];
    ByteBuffer[] data = new ByteBuffer[64];
    for (int i = 0; i < 64; i++) {
      blocks[i] = 4000 - i * 7L;
      data[i] = pattern(blocks[i], 1, 5);
    }
    d.write(blocks, data);
    for (long b : blocks) {
      assertArrayEquals(pattern(b, 1, 5).array(), imageBytes(b, 1), "block " + b);
    }
  }

  @Test
  void fuaWriteCarriesTheFlagWhenTheServerTakesIt() throws Exception {
    NbdBlockDevice d = device("disk");
    d.write(9, pattern(9, 2, 1), WriteMode.FUA);
    d.write(20, pattern(20, 1, 1), WriteMode.NORMAL);
    TransactionLog.Request fua = awaitRequest(log, NbdCommand.WRITE, 9L * BLOCK);
    assertTrue(fua.fua(), "FUA write: " + fua);
    assertEquals(2L * BLOCK, fua.length());
    assertFalse(awaitRequest(log, NbdCommand.WRITE, 20L * BLOCK).fua(), "normal write");
  }

  @Test
  void fuaIsAWriteAndAFlushWhenTheServerDoesNotTakeTheFlag() throws Exception {
    NbdBlockDevice d = device("nofua");
    assertFalse(d.export().canFua());
    d.write(3, pattern(3, 1, 1), WriteMode.FUA);
    awaitRequest(noFuaLog, NbdCommand.FLUSH, 0);
    List<TransactionLog.Request> seen = TransactionLog.requests(noFuaLog);
    int write = indexOf(seen, NbdCommand.WRITE, 3L * BLOCK);
    int flush = indexOf(seen, NbdCommand.FLUSH, 0);
    assertFalse(seen.get(write).fua(), "no FUA flag to a server that did not offer it");
    assertTrue(flush > write, "the flush follows the write: " + seen);
  }

  @Test
  void flushAndTrimReachTheServer() throws Exception {
    NbdBlockDevice d = device("disk");
    d.write(100, pattern(100, 8, 1));
    d.flush();
    d.trim(100, 8);
    awaitRequest(log, NbdCommand.FLUSH, 0);
    assertEquals(8L * BLOCK, awaitRequest(log, NbdCommand.TRIM, 100L * BLOCK).length());
  }

  @Test
  void readOnlyExportRefusesWritesButReads() throws Exception {
    NbdBlockDevice rw = device("disk");
    rw.write(5, pattern(5, 1, 2));
    NbdBlockDevice ro = device("ro");
    assertTrue(ro.export().readOnly());
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> ro.write(5, pattern(5, 1, 3)));
    assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains(ro.name()),
        e.getMessage());
    assertThrows(BlockDeviceException.class, () -> ro.trim(5, 1));
    ByteBuffer back = ByteBuffer.allocate(BLOCK);
    ro.read(5, back);
    assertArrayEquals(pattern(5, 1, 2).array(), back.array());
    awaitRequest(readOnlyLog, NbdCommand.READ, 5L * BLOCK);
    assertTrue(TransactionLog.requests(readOnlyLog).stream()
        .allMatch(r -> r.type() == NbdCommand.READ.code()), "refused before sending");
  }

  @Test
  void deviceOpenedReadOnlyRefusesWritesItself() throws IOException {
    NbdBlockDevice d = NbdBlockDevice.open(server.address("disk"),
        DeviceOptions.defaults().withReadOnly(true));
    open.add(d);
    assertThrows(BlockDeviceException.class, () -> d.write(0, pattern(0, 1, 1)));
  }

  @Test
  @Timeout(30)
  void stalledServerTimesOutNamingDeviceCommandBlockAndWhatToCheck() throws Exception {
    NbdBlockDevice d = device("disk", NbdClientOptions.defaults()
        .withRequestTimeout(Duration.ofMillis(300)));
    d.write(7, pattern(7, 1, 9));
    List<Long> connection = servingChildren();
    server.pause();
    long start = System.nanoTime();
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> d.read(7, ByteBuffer.allocate(BLOCK)));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    server.resume();
    String m = e.getMessage();
    assertTrue(m.startsWith(d.name() + ": READ of 1 block at block 7 got no reply within 300 ms"),
        m);
    assertTrue(m.contains("nbd-server") && m.contains("stalled"), m);
    assertTrue(tookMs >= 250 && tookMs < 5000, "timed out after " + tookMs + " ms");
    // The late reply arrives and is skipped; the connection goes on.
    ByteBuffer back = ByteBuffer.allocate(BLOCK);
    d.read(7, back);
    assertArrayEquals(pattern(7, 1, 9).array(), back.array());
    assertEquals(connection, servingChildren(), "the same connection, not a new one");
  }

  /**
   * nbd-server serialises a transaction log's writes with a named semaphore that a killed child
   * leaves locked; a server started on that log again must still answer (the harness clears it).
   */
  @Test
  @Timeout(60)
  void serverStartedOverAStaleLockedLogSemaphoreAnswers() throws Exception {
    server.stop();
    long dev = (Long) Files.getAttribute(log, "unix:dev");
    long inode = (Long) Files.getAttribute(log, "unix:ino");
    Path semaphore = Path.of("/dev/shm", "sem.nbd-server-" + Long.toHexString(dev) + "-"
        + Long.toHexString(inode));
    // All zeroes is glibc's semaphore with value 0: locked, no one waiting.
    Files.write(semaphore, new byte[32]);
    server.start();
    NbdBlockDevice d = device("disk", NbdClientOptions.defaults()
        .withRequestTimeout(Duration.ofSeconds(10)));
    d.write(5, pattern(5, 1, 3));
    assertArrayEquals(pattern(5, 1, 3).array(), imageBytes(5, 1));
  }

  /**
   * A request that timed out stays in the client's table until its late reply; a server that
   * never sends one must not make close wait for it and then fail.
   */
  @Test
  @Timeout(30)
  void closeDoesNotWaitForRepliesToRequestsThatTimedOut() throws Exception {
    NbdBlockDevice d = device("disk", NbdClientOptions.defaults()
        .withRequestTimeout(Duration.ofMillis(300)));
    d.write(3, pattern(3, 1, 5));
    server.pause();
    assertThrows(BlockDeviceException.class, () -> d.read(3, ByteBuffer.allocate(BLOCK)));
    d.close();
  }

  /** nbd-server's per-connection processes: a new one means the client reconnected. */
  private List<Long> servingChildren() {
    return ProcessHandle.of(server.pid()).orElseThrow().children().map(ProcessHandle::pid)
        .sorted().toList();
  }

  @Test
  void killedAndRestartedServerLosesNoAcknowledgedWrite() throws Exception {
    NbdBlockDevice d = device("disk", NbdClientOptions.defaults()
        .withRequestTimeout(Duration.ofSeconds(20)).withReconnect(50, Duration.ofMillis(20)));
    int writes = 3000;
    long firstPid = server.pid();
    AtomicInteger acked = new AtomicInteger();
    Semaphore window = new Semaphore(32);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    Thread crasher = new Thread(() -> {
      try {
        await(() -> acked.get() >= writes / 3, Duration.ofSeconds(30));
        server.kill();
        server.start();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    crasher.start();
    // Each write goes to its own block, so every block has exactly one value to check.
    for (int i = 0; i < writes; i++) {
      long block = (i * 7L) % BLOCKS;
      window.acquire();
      all.add(d.writeAsync(block, pattern(block, 1, 11), WriteMode.NORMAL).whenComplete((v, err) -> {
        window.release();
        if (err == null) {
          acked.incrementAndGet();
        }
      }));
    }
    crasher.join(60_000);
    for (CompletableFuture<Void> f : all) {
      f.get(60, TimeUnit.SECONDS); // every write must succeed: unanswered ones are resent
    }
    assertNotEquals(firstPid, server.pid(), "the server was restarted");
    for (int i = 0; i < writes; i++) {
      long block = (i * 7L) % BLOCKS;
      assertArrayEquals(pattern(block, 1, 11).array(), imageBytes(block, 1), "block " + block);
    }
  }

  @Test
  void serverThatStaysGoneFailsRequestsClearly() throws IOException {
    NbdBlockDevice d = device("disk", NbdClientOptions.defaults()
        .withReconnect(3, Duration.ofMillis(10)));
    server.stop();
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> d.read(0, ByteBuffer.allocate(BLOCK)));
    String m = e.getMessage();
    assertTrue(m.contains("unreachable through 3 reconnect attempts"), m);
    assertTrue(m.contains("Connection refused") && m.contains("nbd-server"), m);
  }

  @Test
  void unknownExportNameFailsAtOpenNamingIt() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class, () -> device("nope"));
    assertTrue(e.getMessage().contains("no export 'nope'"), e.getMessage());
  }

  @Test
  void nothingListeningFailsAtOpenSayingWhatToStart() throws IOException {
    NbdAddress nobody = new NbdAddress("127.0.0.1", NbdServerProcess.freePort(), "disk");
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> NbdBlockDevice.open(nobody, DeviceOptions.defaults()));
    assertTrue(e.getMessage().contains("start nbd-server"), e.getMessage());
  }

  @Test
  void tooSmallExportIsRefused() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> NbdBlockDevice.open(server.address("disk"),
            DeviceOptions.defaults().withMinimumBlocks(BLOCKS + 1)));
    assertTrue(e.getMessage().contains("at least " + (BLOCKS + 1)), e.getMessage());
  }

  @Test
  void outOfRangeBlocksAreRefusedBeforeSending() throws IOException {
    NbdBlockDevice d = device("disk");
    assertThrows(BlockDeviceException.class, () -> d.read(BLOCKS, ByteBuffer.allocate(BLOCK)));
    assertThrows(BlockDeviceException.class, () -> d.write(BLOCKS - 1, pattern(0, 2, 0)));
  }

  @Test
  void blockDevicesOpensNbdAddresses() throws IOException {
    try (BlockDevice d = BlockDevices.open(server.address("disk").toString(),
        DeviceOptions.defaults())) {
      assertInstanceOf(NbdBlockDevice.class, d);
      assertEquals(BLOCKS, d.blockCount());
    }
  }

  private static TransactionLog.Request awaitRequest(Path log, NbdCommand command, long offset)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<TransactionLog.Request> seen = TransactionLog.requests(log);
      int i = indexOf(seen, command, offset);
      if (i >= 0) {
        return seen.get(i);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + command + " at " + offset + " in " + seen);
      }
      Thread.sleep(2); // polling a file another process writes, with a deadline
    }
  }

  private static int indexOf(List<TransactionLog.Request> seen, NbdCommand command, long offset) {
    for (int i = 0; i < seen.size(); i++) {
      if (seen.get(i).type() == command.code() && seen.get(i).offset() == offset) {
        return i;
      }
    }
    return -1;
  }

  private static void await(BooleanSupplier condition, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + limit);
      }
      Thread.sleep(1); // polling, with a deadline
    }
  }
}
