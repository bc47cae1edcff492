package org.gfsj.journal.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.gfsj.journal.device.PathBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  private static final int BS = 4096;

  private final MemoryBlockDevice disk = new MemoryBlockDevice("mem0", BS, 512);
  private final JournalRegion region = new JournalRegion(disk, 0, 64, "journal 0");

  static ByteBuffer filled(int value) {
    byte[] b = new byte[BS];
    java.util.Arrays.fill(b, (byte) value);
    return ByteBuffer.wrap(b);
  }

  static byte[] read(BlockDevice d, long block) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(d.blockSize());
    d.read(block, b);
    return b.array();
  }

  private static final WriteBackRequester NEVER = (j, s) -> {};

  /** An owner whose buffer cache is {@code contents}: it writes every pinned block in place. */
  private WriteBackRequester writingBackFrom(byte[][] contents) {
    return (journal, through) -> {
      for (PinnedBlock p : journal.pinned()) {
        try {
          synchronized (contents) {
            disk.write(p.block(), ByteBuffer.wrap(contents[(int) p.block()]));
          }
        } catch (IOException e) {
          journal.withdraw(e);
          return;
        }
        journal.writtenBack(p.block(), p.sequence());
      }
    };
  }

  @Test
  void committedImagesReachTheirBlocksOnlyThroughReplay() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    long seq = w.commit(new Transaction().log(100, filled(7)).log(101, filled(8)));
    assertEquals(0, read(disk, 100)[0], "the journal writes only the log, the owner writes in place");
    // The node dies here: no close, no write-back.
    JournalReplayer.Result r = new JournalReplayer(region).replay();
    assertEquals(1, r.transactions());
    assertEquals(seq, r.lastSequence());
    assertEquals(2, r.blocksWritten());
    assertArrayEquals(filled(7).array(), read(disk, 100));
    assertArrayEquals(filled(8).array(), read(disk, 101));
    assertFalse(new JournalReplayer(region).needsReplay(), "replay leaves a clean journal");
  }

  @Test
  void aLaterRevokeKeepsAnOldImageFromComingBack() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    w.commit(new Transaction().log(100, filled(1)).log(102, filled(2)));
    w.commit(new Transaction().revoke(100));
    disk.write(100, filled(9)); // the freed block reused for file data, written in place
    w.commit(new Transaction().log(102, filled(3)));
    new JournalReplayer(region).replay();
    assertArrayEquals(filled(9).array(), read(disk, 100), "revoked image was replayed");
    assertArrayEquals(filled(3).array(), read(disk, 102), "the newest image wins");
  }

  @Test
  void imagesThatLookLikeLogBlocksReplayIntact() throws IOException {
    JournalRegion.format(region);
    ByteBuffer tricky = filled(5);
    tricky.putInt(0, LogBlock.MAGIC);
    JournalWriter w = JournalWriter.open(region, NEVER);
    w.commit(new Transaction().log(120, tricky.duplicate()));
    w.commit(new Transaction().log(121, filled(6)));
    JournalReplayer.Result r = new JournalReplayer(region).replay();
    assertEquals(2, r.transactions(), "an image starting with the log magic must not end the walk");
    assertArrayEquals(tricky.array(), read(disk, 120));
  }

  @Test
  void cleanCloseLeavesNothingToReplay() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    long seq = w.commit(new Transaction().log(100, filled(1)));
    disk.write(100, filled(1));
    w.writtenBack(100, seq);
    w.close();
    JournalReplayer.Result r = new JournalReplayer(region).replay();
    assertTrue(r.wasClean());
    assertEquals(0, r.transactions());
  }

  @Test
  void aFullLogWaitsForWriteBackAndWrapsAround() throws IOException {
    JournalRegion.format(region);
    AtomicInteger requests = new AtomicInteger();
    List<Long> committedSeqs = new ArrayList<>();
    byte[][] contents = new byte[512][];
    WriteBackRequester writer = writingBackFrom(contents);
    WriteBackRequester owner = (journal, through) -> {
      requests.incrementAndGet();
      writer.writeBackRequested(journal, through);
    };
    JournalWriter w = JournalWriter.open(region, owner);
    for (int i = 0; i < 200; i++) {
      long block = 100 + i;
      ByteBuffer img = filled(i);
      synchronized (contents) {
        contents[(int) block] = img.array();
      }
      committedSeqs.add(w.commit(new Transaction().log(block, img)));
    }
    assertTrue(requests.get() > 0, "a 62-block log cannot hold 200 transactions without write-back");
    assertTrue(w.stats().tailAdvances() > 0);
    new JournalReplayer(region).replay();
    for (int i = 0; i < 200; i++) {
      assertArrayEquals(filled(i).array(), read(disk, 100 + i));
    }
  }

  @Test
  void concurrentCommittersShareLogWrites() throws Exception {
    JournalRegion.format(region);
    FaultInjectingBlockDevice slow = new FaultInjectingBlockDevice(disk)
        .latency(java.time.Duration.ofMillis(2));
    JournalRegion slowRegion = new JournalRegion(slow, 0, 64, "journal 0");
    byte[][] contents = new byte[512][];
    JournalWriter w = JournalWriter.open(slowRegion, writingBackFrom(contents));
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      ByteBuffer img = filled(i);
      synchronized (contents) {
        contents[130 + i] = img.array();
      }
      futures.add(w.commitAsync(new Transaction().log(130 + i, img)));
    }
    for (CompletableFuture<Long> f : futures) {
      f.get();
    }
    assertEquals(64, w.stats().commits());
    assertTrue(w.stats().logTransactions() < 64,
        "64 queued commits took " + w.stats().logTransactions() + " log writes");
  }

  @Test
  void anIoErrorWithdrawsTheJournal() throws Exception {
    JournalRegion.format(region);
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(disk);
    JournalWriter w = JournalWriter.open(new JournalRegion(faulty, 0, 64, "journal 0"), NEVER);
    w.commit(new Transaction().log(100, filled(1)));
    faulty.crashAfterWrite(faulty.writeCount());
    IOException first = assertThrows(IOException.class,
        () -> w.commit(new Transaction().log(101, filled(2))));
    assertInstanceOf(JournalFailedException.class, first);
    assertTrue(first.getMessage().contains("journal 0 on mem0"), first.getMessage());
    ExecutionException later = assertThrows(ExecutionException.class,
        () -> w.commitAsync(new Transaction().log(102, filled(3))).get());
    assertInstanceOf(JournalFailedException.class, later.getCause());
  }

  @Test
  void aTransactionLargerThanTheJournalIsRefusedWithAClearError() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    Transaction huge = new Transaction();
    for (int i = 0; i < 40; i++) {
      huge.log(100 + i, filled(i));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.commit(huge));
    assertTrue(e.getMessage().contains("-J"), e.getMessage());
  }

  @Test
  void bothHeaderCopiesCorruptIsAnErrorNamingTheJournal() throws IOException {
    JournalRegion.format(region);
    disk.write(0, filled(0xAB));
    disk.write(1, filled(0xCD));
    JournalCorruptException e = assertThrows(JournalCorruptException.class,
        () -> new JournalReplayer(region).replay());
    assertTrue(e.getMessage().startsWith("journal 0 on mem0"), e.getMessage());
    assertTrue(e.getMessage().contains("fsck.gfsj"), e.getMessage());
  }

  @Test
  void aTornHeaderWriteFallsBackToTheOtherCopy() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    w.commit(new Transaction().log(100, filled(4)));
    JournalHeader current = region.readHeader();
    disk.write(current.generation() % 2, filled(0x11)); // the newest copy torn
    new JournalReplayer(region).replay();
    assertArrayEquals(filled(4).array(), read(disk, 100));
  }

  @Test
  void aBadCrcInTheLastTransactionEndsTheLogBeforeIt() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    w.commit(new Transaction().log(100, filled(1)));
    w.commit(new Transaction().log(101, filled(2)));
    // The second transaction is descriptor, image, commit: flip a byte of its image.
    LogScanner.Scan scan = new LogScanner(region).scan();
    long imagePos = scan.transactions().get(1).images().get(0).position();
    ByteBuffer img = ByteBuffer.allocate(BS);
    disk.read(region.deviceBlock(imagePos), img);
    img.put(100, (byte) (img.get(100) ^ 1));
    disk.write(region.deviceBlock(imagePos), img.flip());
    JournalReplayer.Result r = new JournalReplayer(region).replay();
    assertEquals(1, r.transactions());
    assertArrayEquals(filled(1).array(), read(disk, 100));
    assertEquals(0, read(disk, 101)[0], "a transaction with a bad CRC was replayed");
  }

  @Test
  void leftoversOfAnEarlierFormatAreNeverReplayed() throws IOException {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, NEVER);
    w.commit(new Transaction().log(100, filled(1)));
    JournalRegion.format(region); // mkfs again over the same disk
    assertFalse(new JournalReplayer(region).needsReplay());
  }

  @Test
  void worksOnAnImageFile(@TempDir Path dir) throws IOException {
    Path image = dir.resolve("disk.img");
    try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(0).write(ByteBuffer.allocate(1), 256L * BS - 1);
    }
    try (PathBlockDevice dev = PathBlockDevice.open(image, DeviceOptions.defaults())) {
      JournalRegion r = new JournalRegion(dev, 8, 64, "journal 1");
      JournalRegion.format(r);
      JournalWriter w = JournalWriter.open(r, NEVER);
      w.commit(new Transaction().log(200, filled(3)));
    }
    assertTrue(Files.size(image) == 256L * BS);
    try (PathBlockDevice dev = PathBlockDevice.open(image, DeviceOptions.defaults())) {
      JournalRegion r = new JournalRegion(dev, 8, 64, "journal 1");
      assertEquals(1, new JournalReplayer(r).replay().transactions());
      assertArrayEquals(filled(3).array(), read(dev, 200));
    }
  }

  @Test
  void orderedDataIsDurableBeforeAnyCommitThatPointsToIt() throws IOException {
    // A disk cache that reorders writes may keep the log and lose the data written before it,
    // unless the journal flushes the data first. Each seed picks other survivors at the crash.
    for (long seed = 0; seed < 64; seed++) {
      MemoryBlockDevice mem = new MemoryBlockDevice("mem-ordered", BS, 512);
      JournalRegion.format(new JournalRegion(mem, 0, 64, "journal 0"));
      FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(mem).volatileCache(seed);
      JournalWriter w = JournalWriter.open(new JournalRegion(dev, 0, 64, "journal 0"), NEVER);
      dev.write(300, filled(0x0D)); // file data, in place, not flushed
      // The power goes at the first flush after the log write (the write after the data's).
      dev.crashAtFirstFlushAfterWrite(dev.writeCount() + 1);
      try {
        w.commit(new Transaction().log(100, filled(0x3E)).orderedData()); // metadata -> block 300
      } catch (IOException expected) {
        // the crash at the commit's flush
      }
      new JournalReplayer(new JournalRegion(mem, 0, 64, "journal 0")).replay();
      if (read(mem, 100)[0] == 0x3E) {
        assertEquals(0x0D, read(mem, 300)[0], "seed " + seed
            + ": a replayed commit points at data the crash lost");
      }
    }
  }

  @Test
  void commitsCompleteInTheOrderTheyWereQueued() throws Exception {
    JournalRegion.format(region);
    JournalWriter w = JournalWriter.open(region, writingBackFrom(new byte[512][]));
    for (int round = 0; round < 200; round++) {
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      List<Integer> completed = java.util.Collections.synchronizedList(new ArrayList<>());
      int n = 1 + round % 9;
      for (int i = 0; i < n; i++) {
        int id = i;
        CompletableFuture<Long> f = w.commitAsync(new Transaction().revoke(400 + i));
        f.thenRun(() -> completed.add(id));
        futures.add(f);
      }
      futures.get(n - 1).get();
      // Waiting for the newest commit must mean every earlier one is complete too.
      for (int i = 0; i < n; i++) {
        assertTrue(futures.get(i).isDone(), "round " + round + ": commit " + i + " of " + n
            + " still pending after the newest completed");
      }
    }
    w.close();
  }
}
