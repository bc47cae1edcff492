package org.gfsj.journal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.FaultInjectingBlockDevice;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crashes a random transaction stream at every write it makes, replays, and checks that the disk
 * holds the state after some prefix of the committed transactions: never part of one, never
 * without one whose commit returned.
 */
class JournalCrashTest {
  private static final int BS = 512;
  private static final long JOURNAL_START = 0;
  private static final long JOURNAL_BLOCKS = 40; // 38-block log: wraps many times
  private static final long TARGET_FIRST = 64;
  private static final int TARGETS = 24;
  private static final int DEVICE_BLOCKS = 128;

  /** One step of the stream, fixed by the seed so that every crash run repeats the same stream. */
  private sealed interface Step permits Commits, DataWrite, WriteBack {}

  /** A window of transactions committed together (concurrently queued). */
  private record Commits(List<Map<Long, byte[]>> images, List<List<Long>> revokes) implements Step {}

  /** A revoked block reused for file data, written in place after its revoke committed. */
  private record DataWrite(long block, byte[] data) implements Step {}

  /** The owner writes some pinned blocks in place. */
  private record WriteBack(int howMany) implements Step {}

  private static List<Step> stream(long seed, int steps) {
    Random rnd = new Random(seed);
    List<Step> out = new ArrayList<>();
    List<Long> revokedNotWritten = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      int kind = rnd.nextInt(10);
      if (kind < 7) {
        int window = 1 + rnd.nextInt(rnd.nextInt(4) + 1);
        List<Map<Long, byte[]>> images = new ArrayList<>();
        List<List<Long>> revokes = new ArrayList<>();
        for (int t = 0; t < window; t++) {
          Map<Long, byte[]> img = new HashMap<>();
          int n = 1 + rnd.nextInt(3);
          for (int k = 0; k < n; k++) {
            long b = TARGET_FIRST + rnd.nextInt(TARGETS);
            img.put(b, content(rnd));
            revokedNotWritten.remove(b); // logged again: metadata once more, not free for data
          }
          List<Long> rev = new ArrayList<>();
          if (rnd.nextInt(4) == 0) {
            long b = TARGET_FIRST + rnd.nextInt(TARGETS);
            if (!img.containsKey(b)) {
              rev.add(b);
              revokedNotWritten.add(b);
            }
          }
          images.add(img);
          revokes.add(rev);
        }
        out.add(new Commits(images, revokes));
        // Reuse of revoked blocks happens once the revoke is durable, i.e. after this window.
        for (long b : revokedNotWritten) {
          if (rnd.nextBoolean()) {
            out.add(new DataWrite(b, content(rnd)));
          }
        }
        revokedNotWritten.clear();
      } else {
        out.add(new WriteBack(1 + rnd.nextInt(6)));
      }
    }
    return out;
  }

  private static byte[] content(Random rnd) {
    byte[] b = new byte[BS];
    rnd.nextBytes(b);
    if (rnd.nextInt(5) == 0) {
      ByteBuffer.wrap(b).putInt(0, LogBlock.MAGIC); // must not be taken for a log block
    }
    return b;
  }

  /**
   * The expected contents of the target blocks after each event of the stream (a transaction or a
   * data write), with null for a block whose contents are not defined (revoked, not rewritten).
   */
  private static List<Map<Long, byte[]>> expectedStates(List<Step> steps, MemoryBlockDevice initial)
      throws IOException {
    Map<Long, byte[]> current = new HashMap<>();
    for (long b = TARGET_FIRST; b < TARGET_FIRST + TARGETS; b++) {
      current.put(b, read(initial, b));
    }
    List<Map<Long, byte[]>> states = new ArrayList<>();
    states.add(new HashMap<>(current));
    for (Step step : steps) {
      if (step instanceof Commits c) {
        for (int t = 0; t < c.images().size(); t++) {
          current.putAll(c.images().get(t));
          for (long r : c.revokes().get(t)) {
            current.put(r, null);
          }
          states.add(new HashMap<>(current));
        }
      } else if (step instanceof DataWrite d) {
        current.put(d.block(), d.data());
        states.add(new HashMap<>(current));
      }
    }
    return states;
  }

  /** The owner's buffer cache: the newest committed image of each block and its sequence. */
  private static final class Cache {
    final Map<Long, byte[]> data = new HashMap<>();
    final Map<Long, Long> sequence = new HashMap<>();
  }

  private static byte[] read(BlockDevice d, long block) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(d.blockSize());
    d.read(block, b);
    return b.array();
  }

  /** The outcome of running the stream until the device crashed (or to the end). */
  private record Run(int eventsDone, int eventsIssued, Long tornDataBlock, long writes) {}

  /** How the device fails at the crash point. */
  private enum CrashMode {
    /** Writes up to the crash point land, later ones do not. */
    CLEAN,
    /** The write at the crash point lands in part. */
    TORN,
    /** Writes since the last flush land or not, block by block, and the crashing one is torn. */
    VOLATILE_CACHE
  }

  private static Run run(List<Step> steps, MemoryBlockDevice disk, long crashAfter, CrashMode mode)
      throws IOException {
    Cache cache = new Cache();
    FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(disk).crashAfterWrite(crashAfter);
    boolean tear = mode != CrashMode.CLEAN;
    if (tear) {
      dev.tearCrashingWrite(crashAfter);
    }
    if (mode == CrashMode.VOLATILE_CACHE) {
      dev.volatileCache(crashAfter);
    }
    JournalRegion region = new JournalRegion(dev, JOURNAL_START, JOURNAL_BLOCKS, "journal 0");
    WriteBackRequester owner = (journal, through) -> writeBack(journal, dev, cache, 1000);
    JournalWriter w;
    try {
      w = JournalWriter.open(region, owner);
    } catch (IOException e) {
      return new Run(0, 0, null, dev.writeCount());
    }
    int done = 0;
    int issued = 0;
    try (JournalWriter writer = w) {
      for (Step step : steps) {
        if (step instanceof Commits c) {
          List<CompletableFuture<Long>> futures = new ArrayList<>();
          for (int t = 0; t < c.images().size(); t++) {
            Transaction tx = new Transaction();
            c.images().get(t).forEach((b, data) -> tx.log(b, ByteBuffer.wrap(data)));
            c.revokes().get(t).forEach(tx::revoke);
            futures.add(w.commitAsync(tx));
          }
          issued += futures.size();
          long[] seqs = new long[futures.size()];
          int returned = 0;
          try {
            for (; returned < futures.size(); returned++) {
              seqs[returned] = futures.get(returned).get();
            }
          } catch (ExecutionException e) {
            // the transactions before the failed one did return
          }
          // The window's transactions may share one log sequence (merged into one log write):
          // the cache learns them all at once, so that a write-back never pairs an image with
          // the sequence of a newer one, as a filesystem's buffer always holds the newest.
          synchronized (cache) {
            for (int t = 0; t < returned; t++) {
              for (var e : c.images().get(t).entrySet()) {
                cache.data.put(e.getKey(), e.getValue());
                cache.sequence.put(e.getKey(), seqs[t]);
              }
              for (long r : c.revokes().get(t)) {
                cache.data.remove(r);
                cache.sequence.remove(r);
              }
            }
          }
          done += returned;
          if (returned < futures.size()) {
            return new Run(done, issued, null, dev.writeCount());
          }
        } else if (step instanceof DataWrite d) {
          issued++;
          try {
            // Data reaches the disk for sure only with a flush, as fsync(2) does.
            dev.write(d.block(), ByteBuffer.wrap(d.data()));
            dev.flush();
          } catch (IOException e) {
            return new Run(done, issued, tear ? d.block() : null, dev.writeCount());
          }
          done++;
        } else if (step instanceof WriteBack wb) {
          if (!writeBack(w, dev, cache, wb.howMany())) {
            return new Run(done, issued, null, dev.writeCount());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (IOException e) {
      return new Run(done, issued, null, dev.writeCount());
    }
    return new Run(done, issued, null, dev.writeCount());
  }

  /** Writes up to {@code max} pinned blocks in place, newest committed contents only. */
  private static boolean writeBack(JournalWriter journal, BlockDevice dev, Cache cache, int max) {
    int n = 0;
    for (PinnedBlock p : journal.pinned()) {
      if (n++ >= max) {
        break;
      }
      byte[] data;
      long seq;
      synchronized (cache) {
        data = cache.data.get(p.block());
        Long s = cache.sequence.get(p.block());
        if (data == null || s == null) {
          continue; // committed but not yet seen by the model: its commit is still returning
        }
        seq = s;
      }
      try {
        dev.write(p.block(), ByteBuffer.wrap(data));
      } catch (IOException e) {
        journal.withdraw(e);
        return false;
      }
      journal.writtenBack(p.block(), seq);
    }
    return true;
  }

  private static MemoryBlockDevice freshDisk() throws IOException {
    MemoryBlockDevice disk = new MemoryBlockDevice("mem-crash", BS, DEVICE_BLOCKS);
    Random rnd = new Random(42);
    for (long b = TARGET_FIRST; b < TARGET_FIRST + TARGETS; b++) {
      byte[] d = new byte[BS];
      rnd.nextBytes(d);
      disk.write(b, ByteBuffer.wrap(d));
    }
    JournalRegion.format(new JournalRegion(disk, JOURNAL_START, JOURNAL_BLOCKS, "journal 0"));
    return disk;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void everyCrashPointReplaysToACommittedPrefix(long seed) throws Exception {
    List<Step> steps = stream(seed, 120);
    MemoryBlockDevice template = freshDisk();
    List<Map<Long, byte[]>> states = expectedStates(steps, template);
    Run full = run(steps, template.copy("reference"), Long.MAX_VALUE, CrashMode.CLEAN);
    assertEquals(states.size() - 1, full.eventsDone(), "the uncrashed run must finish the stream");
    checkPrefix(template.copy("unused"), states, new Run(0, 0, null, 0), "the unchanged disk");
    assertTrue(full.writes() > 200, "the stream is too short to test much: " + full.writes());
    for (long crash = 0; crash <= full.writes(); crash++) {
      for (CrashMode mode : CrashMode.values()) {
        MemoryBlockDevice disk = template.copy("crash-" + crash);
        Run r = run(steps, disk, crash, mode);
        if (crash % 3 == 1) {
          interruptedReplay(disk, crash);
        }
        new JournalReplayer(new JournalRegion(disk, JOURNAL_START, JOURNAL_BLOCKS, "journal 0"))
            .replay();
        checkPrefix(disk, states, r, "seed " + seed + ", crash after write " + crash + " ("
            + mode + ")");
        reopenAndCommit(disk);
      }
    }
  }

  /**
   * Replay itself crashes part way, or the power goes right after it, with a volatile cache; the
   * next replay must still reach the same result.
   */
  private static void interruptedReplay(MemoryBlockDevice disk, long seed) throws IOException {
    FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(disk)
        .crashAfterWrite(seed % 13).tearCrashingWrite(seed).volatileCache(seed);
    try {
      new JournalReplayer(new JournalRegion(dev, JOURNAL_START, JOURNAL_BLOCKS, "journal 0"))
          .replay();
    } catch (IOException expected) {
      // the crash in the middle of replay
    }
    dev.crashNow();
  }

  private static void checkPrefix(MemoryBlockDevice disk, List<Map<Long, byte[]>> states, Run r,
      String where) throws IOException {
    Map<Long, byte[]> actual = new HashMap<>();
    for (long b = TARGET_FIRST; b < TARGET_FIRST + TARGETS; b++) {
      actual.put(b, read(disk, b));
    }
    // Every event that returned is in; of those issued and not returned, any prefix may be.
    for (int k = r.eventsDone(); k <= r.eventsIssued(); k++) {
      if (matches(states.get(k), actual, r.tornDataBlock())) {
        return;
      }
    }
    List<Long> differing = new ArrayList<>();
    Map<Long, byte[]> acknowledged = states.get(r.eventsDone());
    acknowledged.forEach((b, want) -> {
      if (want != null && !Arrays.equals(want, actual.get(b))) {
        differing.add(b);
      }
    });
    StringBuilder found = new StringBuilder();
    for (long b : differing) {
      found.append("; block ").append(b).append(" holds ").append(origin(states, b, actual.get(b)));
    }
    fail(where + ": the disk is not the state after any committed prefix ("
        + r.eventsDone() + " events acknowledged, " + r.eventsIssued() + " issued; blocks "
        + differing + " differ from the acknowledged state" + found + ")");
  }

  /** Which event's contents a block holds: the clue to what replay or the owner got wrong. */
  private static String origin(List<Map<Long, byte[]>> states, long block, byte[] data) {
    for (int k = states.size() - 1; k >= 0; k--) {
      if (Arrays.equals(states.get(k).get(block), data)) {
        int first = k;
        while (first > 0 && Arrays.equals(states.get(first - 1).get(block), data)) {
          first--;
        }
        return "the contents it had from event " + first + " to event " + k;
      }
    }
    return "contents of no event (torn, or never written there)";
  }

  private static boolean matches(Map<Long, byte[]> expected, Map<Long, byte[]> actual, Long torn) {
    for (var e : expected.entrySet()) {
      if (e.getValue() == null || e.getKey().equals(torn)) {
        continue;
      }
      if (!Arrays.equals(e.getValue(), actual.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** After recovery the journal takes new transactions and replays them. */
  private static void reopenAndCommit(MemoryBlockDevice disk) throws IOException {
    JournalRegion region = new JournalRegion(disk, JOURNAL_START, JOURNAL_BLOCKS, "journal 0");
    JournalWriter w = JournalWriter.open(region, (j, s) -> {});
    byte[] data = new byte[BS];
    Arrays.fill(data, (byte) 0x5A);
    w.commit(new Transaction().log(TARGET_FIRST, ByteBuffer.wrap(data)));
    assertEquals(1, new JournalReplayer(region).replay().transactions());
    assertTrue(Arrays.equals(data, read(disk, TARGET_FIRST)));
  }
}
