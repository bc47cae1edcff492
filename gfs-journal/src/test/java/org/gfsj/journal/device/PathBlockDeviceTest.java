package org.gfsj.journal.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PathBlockDeviceTest {
  private static final int BLOCK = 4096;
  private static final int BLOCKS = 1024; // 4 MiB

  @TempDir Path dir;
  private Path image;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeEach
  void createImage() throws IOException {
    image = dir.resolve("disk.img");
    sized(image, (long) BLOCK * BLOCKS);
  }

  @AfterEach
  void closeEverything() throws Exception {
    Exception first = null;
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void sized(Path file, long bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(bytes);
    }
  }

  private PathBlockDevice open(Path path, DeviceOptions options) throws IOException {
    PathBlockDevice d = PathBlockDevice.open(path, options);
    cleanup.add(d);
    return d;
  }

  private static byte[] pattern(long block, int blocks, long seed) {
    byte[] b = new byte[blocks * BLOCK];
    new Random(block * 131 + seed).nextBytes(b);
    return b;
  }

  private static byte[] fileBytes(Path file, long block, int blocks) throws IOException {
    byte[] b = new byte[blocks * BLOCK];
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(block * BLOCK);
      f.readFully(b);
    }
    return b;
  }

  @Test
  void imageFileRoundTripsNormalFuaAndFlush() throws IOException {
    PathBlockDevice d = open(image, DeviceOptions.defaults());
    assertEquals(BLOCKS, d.blockCount());
    assertFalse(d.isDirect(), "image files use the page cache unless asked");
    d.write(10, ByteBuffer.wrap(pattern(10, 3, 1)));
    d.write(500, ByteBuffer.wrap(pattern(500, 1, 1)), WriteMode.FUA);
    d.flush();
    ByteBuffer back = ByteBuffer.allocate(3 * BLOCK);
    d.read(10, back);
    assertFalse(back.hasRemaining());
    assertArrayEquals(pattern(10, 3, 1), back.array());
    assertArrayEquals(pattern(10, 3, 1), fileBytes(image, 10, 3));
    assertArrayEquals(pattern(500, 1, 1), fileBytes(image, 500, 1));
  }

  @Test
  void largeAlignedTransfersBypassTheCacheAndStayCoherentWithCachedOnes() throws IOException {
    PathBlockDevice d = open(image, DeviceOptions.defaults());
    assertEquals(directIoWorksOn(image), d.hasBulkLane(),
        "an image file gets a bulk lane exactly when its filesystem can do direct I/O");
    int blocks = BulkLane.MIN_BYTES / BLOCK;
    ByteBuffer aligned = ByteBuffer.allocateDirect(BulkLane.MIN_BYTES + BLOCK).alignedSlice(BLOCK)
        .limit(BulkLane.MIN_BYTES);

    // cached write, then a bulk read: the read must see the dirty cached pages
    d.write(64, ByteBuffer.wrap(pattern(64, blocks, 1)));
    d.read(64, aligned.clear().limit(BulkLane.MIN_BYTES));
    assertArrayEquals(pattern(64, blocks, 1), bytes(aligned.flip()));

    // bulk write, then a cached read of the same blocks: no stale cached page may answer it
    aligned.clear().limit(BulkLane.MIN_BYTES).put(pattern(64, blocks, 2)).flip();
    d.write(64, aligned);
    assertFalse(aligned.hasRemaining());
    ByteBuffer cached = ByteBuffer.allocate(BulkLane.MIN_BYTES);
    d.read(64, cached);
    assertArrayEquals(pattern(64, blocks, 2), cached.array());

    // a bulk write and a cached write both reach the file after one flush
    d.write(200, ByteBuffer.wrap(pattern(200, 1, 3)));
    d.flush();
    assertArrayEquals(pattern(64, blocks, 2), fileBytes(image, 64, blocks));
    assertArrayEquals(pattern(200, 1, 3), fileBytes(image, 200, 1));
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static boolean directIoWorksOn(Path file) {
    try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  @Test
  void directIoStagesUnalignedBuffers() throws IOException {
    PathBlockDevice d = open(image, DeviceOptions.defaults().withDirect(DeviceOptions.Direct.ON));
    assertTrue(d.isDirect());
    exerciseUnalignedBuffers(d, image);
  }

  @Test
  void outOfRangeAndPartialBlocksAreRefused() throws IOException {
    PathBlockDevice d = open(image, DeviceOptions.defaults());
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> d.read(BLOCKS, ByteBuffer.allocate(BLOCK)));
    assertTrue(e.getMessage().startsWith(image + ": blocks " + BLOCKS + ".." + BLOCKS
        + " lie outside the device (" + BLOCKS + " blocks"), e.getMessage());
    assertThrows(BlockDeviceException.class,
        () -> d.write(BLOCKS - 1, ByteBuffer.allocate(2 * BLOCK)));
    assertThrows(BlockDeviceException.class, () -> d.read(-1, ByteBuffer.allocate(BLOCK)));
    assertThrows(IllegalArgumentException.class, () -> d.read(0, ByteBuffer.allocate(100)));
  }

  @Test
  void missingFileSaysToCheckThePath() {
    Path missing = dir.resolve("nope.img");
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(missing, DeviceOptions.defaults()));
    assertEquals(missing + ": no such device or image file; check the path", e.getMessage());
  }

  @Test
  void tooSmallDeviceSaysHowMuchIsNeeded() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(image, DeviceOptions.defaults().withMinimumBlocks(BLOCKS + 1)));
    assertTrue(e.getMessage().contains("holds " + BLOCKS + " blocks")
        && e.getMessage().contains("at least " + (BLOCKS + 1)), e.getMessage());
  }

  @Test
  void readOnlyDeviceRefusesWrites() throws IOException {
    PathBlockDevice d = open(image, DeviceOptions.defaults().withReadOnly(true));
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> d.write(0, ByteBuffer.allocate(BLOCK)));
    assertTrue(e.getMessage().contains("read-only"), e.getMessage());
  }

  @Test
  void concurrentWritersToDistinctBlocksAllLand() throws Exception {
    PathBlockDevice d = open(image, DeviceOptions.defaults());
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        jobs.add(pool.submit(() -> {
          for (int block = thread; block < BLOCKS; block += threads) {
            d.write(block, ByteBuffer.wrap(pattern(block, 1, 2)));
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
    byte[] all = fileBytes(image, 0, BLOCKS);
    for (int block = 0; block < BLOCKS; block++) {
      byte[] got = new byte[BLOCK];
      System.arraycopy(all, block * BLOCK, got, 0, BLOCK);
      assertArrayEquals(pattern(block, 1, 2), got, "block " + block);
    }
  }

  @Test
  void exclusiveLockInThisProcessRefusesASecondOpen() throws IOException {
    open(image, DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE));
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(image,
            DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE)));
    assertTrue(e.getMessage().contains("already open in this process"), e.getMessage());
  }

  @Test
  void sharedLocksInThisProcessCoexist() throws IOException {
    open(image, DeviceOptions.defaults().withLock(DeviceOptions.HostLock.SHARED));
    open(image, DeviceOptions.defaults().withLock(DeviceOptions.HostLock.SHARED));
  }

  @Test
  void exclusiveLockInAnotherProcessRefusesMountsAndMkfs() throws Exception {
    holdLockInAnotherProcess(DeviceOptions.HostLock.EXCLUSIVE);
    BlockDeviceException shared = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(image,
            DeviceOptions.defaults().withLock(DeviceOptions.HostLock.SHARED)));
    assertTrue(shared.getMessage().contains("opened exclusively by another process"),
        shared.getMessage());
    BlockDeviceException exclusive = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(image,
            DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE)));
    assertTrue(exclusive.getMessage().contains("in use by another process"),
        exclusive.getMessage());
  }

  @Test
  void sharedLockInAnotherProcessAdmitsMountsButNotMkfs() throws Exception {
    holdLockInAnotherProcess(DeviceOptions.HostLock.SHARED);
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> PathBlockDevice.open(image,
            DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE)));
    assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
    open(image, DeviceOptions.defaults().withLock(DeviceOptions.HostLock.SHARED));
  }

  /** Runs {@link PathLockHolder} in a child JVM and returns once it holds the lock. */
  private void holdLockInAnotherProcess(DeviceOptions.HostLock lock) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        PathLockHolder.class.getName(), image.toString(), lock.name())
        .redirectErrorStream(true).start();
    cleanup.add(() -> {
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    });
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertEquals("held", line, "the other process could not take the lock");
  }

  @Test
  void loopDeviceUsesDirectIoWithUnalignedBuffers() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "losetup needs root");
    Path backing = dir.resolve("loop.img");
    sized(backing, (long) BLOCK * BLOCKS);
    Path loop;
    try {
      loop = Path.of(run("losetup", "-f", "--show", backing.toString()).strip());
    } catch (IOException e) {
      loop = abort("this host cannot set up a loop device: " + e.getMessage());
    }
    try {
      try (PathBlockDevice d = PathBlockDevice.open(loop, DeviceOptions.defaults())) {
        assertTrue(d.isDirect(), "a block device bypasses the page cache by default");
        assertEquals(BLOCKS, d.blockCount(), "size from sysfs");
        exerciseUnalignedBuffers(d, null);
      }
    } finally {
      run("losetup", "-d", loop.toString());
    }
    assertArrayEquals(pattern(3, 300, 4), fileBytes(backing, 3, 300),
        "the writes reached the backing file");
  }

  /**
   * Writes and reads through buffers O_DIRECT cannot take as they are: heap buffers, slices at odd
   * offsets, and a transfer larger than one staging buffer.
   */
  private static void exerciseUnalignedBuffers(PathBlockDevice d, Path file) throws IOException {
    byte[] big = pattern(3, 300, 4); // 1.2 MiB: more than one staging chunk
    ByteBuffer odd = ByteBuffer.allocate(big.length + 7).position(7);
    odd.put(big).position(7);
    d.write(3, odd.slice(), WriteMode.NORMAL);
    d.write(900, ByteBuffer.wrap(pattern(900, 2, 4)), WriteMode.FUA);
    d.flush();

    ByteBuffer into = ByteBuffer.allocate(big.length + 13).position(13);
    d.read(3, into);
    assertFalse(into.hasRemaining());
    byte[] got = new byte[big.length];
    into.position(13).get(got);
    assertArrayEquals(big, got, "unaligned heap read");

    ByteBuffer direct = ByteBuffer.allocateDirect(3 * BLOCK).alignedSlice(BLOCK);
    direct.limit(2 * BLOCK);
    d.read(900, direct);
    byte[] two = new byte[2 * BLOCK];
    direct.flip().get(two);
    assertArrayEquals(pattern(900, 2, 4), two, "aligned direct read");

    // A direct buffer at an odd address: the JDK stages heap buffers itself, but not these.
    ByteBuffer skewed = ByteBuffer.allocateDirect(2 * BLOCK + 3).position(3).slice();
    skewed.put(pattern(950, 2, 5)).flip();
    d.write(950, skewed);
    ByteBuffer skewedBack = ByteBuffer.allocateDirect(2 * BLOCK + 5).position(5).slice();
    d.read(950, skewedBack);
    skewedBack.flip().get(two);
    assertArrayEquals(pattern(950, 2, 5), two, "direct buffers at odd addresses");
    if (file != null) {
      assertArrayEquals(big, fileBytes(file, 3, 300));
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
