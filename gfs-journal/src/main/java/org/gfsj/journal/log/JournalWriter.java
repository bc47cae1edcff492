package org.gfsj.journal.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.gfsj.journal.device.BlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends transactions to one node's journal, many callers to one log write (group commit).
 *
 * <h2>Algorithm</h2>
 * Callers hand transactions to {@link #commitAsync}; they queue. One writer thread takes everything
 * queued (up to the largest transaction the log allows), merges it into a single log transaction
 * (later changes to a block win), lays it out after the head, writes it with one I/O (two when it
 * wraps the circle), flushes the device once, and completes every caller's future with the log
 * sequence that holds its change. While it writes, new callers queue for the next round: the more
 * callers, the more each flush carries. A batch holding a transaction with ordered data flushes
 * the device once more before its log write, so that file data is durable before any commit that
 * points to it.
 *
 * <h2>Space and the tail</h2>
 * A committed transaction stays live while it holds the newest image of a block not yet written in
 * place ({@link LiveTransactions}). The owner writes blocks in place and reports them with
 * {@link #writtenBack}; the in-memory tail then moves to the oldest live transaction. The header on
 * disk keeps an older tail until log space is needed: then the writer flushes the device (so the
 * in-place writes are durable) and writes the header with the new tail before reusing the space.
 * When even the in-memory tail leaves no room, the writer asks the owner to write back
 * ({@link WriteBackRequester}) and waits: a full log makes writers wait, never overwrites a live
 * transaction.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Futures complete in the order of their log sequences.
 *   <li>No log block between the on-disk tail and the head is overwritten.
 *   <li>A future completes only after the flush that made its transaction durable.
 *   <li>Sequences rise by one per log transaction; at open the writer skips one, so that the
 *       remains of a transaction torn by the last crash can never be taken for a new one.
 *   <li>After an I/O error nothing more is written: every pending and later commit fails.
 * </ul>
 *
 * <h2>Concurrency</h2>
 * {@code lock} guards the queue, {@link LiveTransactions}, the on-disk tail, the failure and the
 * {@code writing} turn. One thread at a time holds the turn and writes a batch: the writer thread,
 * or a caller of {@link #commit} that found no write under way (which spares a lone committer the
 * handoff to the writer thread and back). The holder of the turn alone touches the device and the
 * encode buffer, and holds no lock while doing I/O.
 */
public final class JournalWriter implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);
  private static final long WRITE_BACK_NAG_MILLIS = 1000;
  /** Batches up to this size complete their callers on the writer thread itself. */
  private static final int INLINE_COMPLETIONS = 2;

  private final JournalRegion region;
  private final BlockDevice device;
  private final int blockSize;
  private final long logBlocks;
  private final int maxTransactionBlocks;
  private final WriteBackRequester requester;
  private final Thread writer;
  private final ExecutorService completer;
  /** Batches handed to the completer and not yet completed. */
  private final AtomicInteger queuedCompletions = new AtomicInteger();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition room = lock.newCondition();
  private final List<Pending> queue = new ArrayList<>();
  private final LiveTransactions live;
  private JournalHeader header;
  private long diskTail;
  private IOException failure;
  private boolean closing;
  /** Whether a thread (the writer, or a committer taking its turn) is writing a batch. */
  private boolean writing;

  private ByteBuffer encodeBuffer;
  private final JournalStats stats = new JournalStats();

  private record Pending(Transaction tx, int blocks, CompletableFuture<Long> done) {}

  private JournalWriter(JournalRegion region, JournalHeader header, WriteBackRequester requester) {
    this.region = region;
    this.device = region.device();
    this.blockSize = region.blockSize();
    this.logBlocks = region.logBlocks();
    this.maxTransactionBlocks = (int) Math.min(Integer.MAX_VALUE / blockSize, logBlocks / 4);
    this.requester = requester;
    this.header = header;
    this.diskTail = header.tail();
    this.live = new LiveTransactions(header.tail(), header.tailSequence());
    this.writer = new Thread(this::run, "journal-writer " + region.label());
    this.writer.setDaemon(true);
    this.completer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "journal-completer " + region.label());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens a journal for appending. A journal that holds transactions is replayed first, so that a
   * writer never starts on top of log entries that still matter.
   */
  public static JournalWriter open(JournalRegion region, WriteBackRequester requester)
      throws IOException {
    JournalReplayer.Result replayed = new JournalReplayer(region).replay();
    if (replayed.replayedAnything()) {
      log.info("{}: replayed {} transactions ({} blocks) before opening", region.where(),
          replayed.transactions(), replayed.blocksWritten());
    }
    LogScanner.Scan scan = new LogScanner(region).scan();
    // Both copies move past the skipped sequence: falling back to an older copy must never lead
    // the walk to expect a sequence this writer will not write.
    JournalHeader opened = scan.header().next(false, scan.head(), scan.nextSequence() + 1);
    region.writeHeader(opened);
    opened = opened.next(false, opened.tail(), opened.tailSequence());
    region.writeHeader(opened);
    JournalWriter w = new JournalWriter(region, opened, requester);
    w.writer.start();
    return w;
  }

  /** The largest transaction, in log blocks, this journal takes. */
  public int maxTransactionBlocks() {
    return maxTransactionBlocks;
  }

  /**
   * Queues {@code tx}; the future completes with its log sequence once it is durable, or
   * exceptionally if the journal failed.
   */
  public CompletableFuture<Long> commitAsync(Transaction tx) {
    return enqueue(tx, true);
  }

  /**
   * Queues {@code tx}; wakes the writer thread when asked to. A synchronous committer does not:
   * it takes the turn itself, or the thread writing now finds the queue when it hands the turn on.
   */
  private CompletableFuture<Long> enqueue(Transaction tx, boolean wakeWriter) {
    int blocks = tx.logBlocks(blockSize);
    if (blocks > maxTransactionBlocks) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(region.where()
          + ": a transaction of " + blocks + " log blocks exceeds this journal's limit of "
          + maxTransactionBlocks + "; split it, or give the journal more room (-J)"));
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    lock.lock();
    try {
      if (failure != null) {
        return CompletableFuture.failedFuture(failure);
      }
      if (closing) {
        return CompletableFuture.failedFuture(
            new IOException(region.where() + ": journal is closed"));
      }
      queue.add(new Pending(tx, blocks, done));
      if (wakeWriter) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    return done;
  }

  /**
   * Commits {@code tx} and returns its sequence once it is durable. When no log write is under
   * way the caller writes the batch itself, sparing a lone committer two thread handoffs.
   */
  public long commit(Transaction tx) throws IOException {
    CompletableFuture<Long> done = enqueue(tx, false);
    List<Pending> batch = takeBatchIfIdle();
    if (batch != null) {
      writeBatchOrFail(batch);
    }
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(region.where() + ": interrupted waiting for a commit");
    } catch (ExecutionException e) {
      throw asIo(e.getCause());
    }
  }

  /** Reports that {@code block} was written in place with its contents as of {@code sequence}. */
  public void writtenBack(long block, long sequence) {
    lock.lock();
    try {
      if (live.writtenBack(block, sequence)) {
        room.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The blocks whose newest image lives only in the log. */
  public List<PinnedBlock> pinned() {
    lock.lock();
    try {
      return live.pinned();
    } finally {
      lock.unlock();
    }
  }

  public JournalStats stats() {
    return stats;
  }

  public JournalRegion region() {
    return region;
  }

  private void run() {
    try {
      List<Pending> batch;
      while ((batch = takeBatch()) != null) {
        writeBatchOrFail(batch);
      }
    } catch (InterruptedException e) {
      fail(e);
    }
  }

  /** Writes a batch taken with {@link #writing} set, then gives the turn back. */
  private void writeBatchOrFail(List<Pending> batch) {
    try {
      writeBatch(batch);
    } catch (Throwable t) {
      IOException e = fail(t);
      batch.forEach(p -> p.done().completeExceptionally(e));
    } finally {
      lock.lock();
      try {
        writing = false;
        work.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** The writer thread's turn: waits for queued work while nobody else is writing. */
  private List<Pending> takeBatch() throws InterruptedException {
    lock.lock();
    try {
      while (writing || queue.isEmpty()) {
        if (closing && !writing) {
          return null;
        }
        work.await();
      }
      writing = true;
      return drainBatch();
    } finally {
      lock.unlock();
    }
  }

  /** A committer's turn, taken only when no log write is under way. */
  private List<Pending> takeBatchIfIdle() {
    lock.lock();
    try {
      if (writing || queue.isEmpty() || failure != null) {
        return null;
      }
      writing = true;
      return drainBatch();
    } finally {
      lock.unlock();
    }
  }

  /** Takes the queued transactions that fit one log transaction; called with the lock held. */
  private List<Pending> drainBatch() {
    List<Pending> batch = new ArrayList<>();
    long blocks = 0;
    while (!queue.isEmpty()
        && (batch.isEmpty() || blocks + queue.get(0).blocks() <= maxTransactionBlocks)) {
      Pending p = queue.remove(0);
      blocks += p.blocks();
      batch.add(p);
    }
    return batch;
  }

  private void writeBatch(List<Pending> batch) throws IOException, InterruptedException {
    Transaction merged = new Transaction();
    for (Pending p : batch) {
      merged.absorb(p.tx());
    }
    int blocks = merged.logBlocks(blockSize);
    long head;
    long sequence;
    long tail;
    lock.lock();
    try {
      makeRoom(blocks);
      head = live.head();
      sequence = live.nextSequence();
      tail = live.tail();
    } finally {
      lock.unlock();
    }
    if (merged.hasOrderedData()) {
      device.flush(); // the data the log points to first: the preflush of jbd2's commit
      stats.recordDataFlush();
    }
    ByteBuffer out = encodeBuffer(blocks);
    LogLayout.encode(merged, sequence, header.journalId(), Math.floorMod(head, logBlocks),
        Math.floorMod(tail, logBlocks), blockSize, out);
    out.flip();
    long physical = Math.floorMod(head, logBlocks);
    long firstRun = Math.min(blocks, logBlocks - physical);
    device.write(region.deviceBlock(head), out.slice(0, (int) firstRun * blockSize));
    if (firstRun < blocks) {
      device.write(region.deviceBlock(head + firstRun),
          out.slice((int) firstRun * blockSize, (int) (blocks - firstRun) * blockSize));
    }
    device.flush();
    lock.lock();
    try {
      live.committed(sequence, blocks, merged.images().keySet(), merged.revokes());
      room.signalAll();
    } finally {
      lock.unlock();
    }
    stats.recordBatch(batch.size(), blocks);
    // Futures complete in log order, which callers rely on (waiting for the newest commit waits
    // for all): a small batch completes inline only when the completer has nothing queued.
    if (batch.size() <= INLINE_COMPLETIONS && queuedCompletions.get() == 0) {
      for (Pending p : batch) {
        p.done().complete(sequence);
      }
    } else {
      // Waking many committers costs a futex call each: hand that to the other core, so the
      // writer starts the next batch's log write at once.
      queuedCompletions.incrementAndGet();
      completer.execute(() -> {
        batch.forEach(p -> p.done().complete(sequence));
        queuedCompletions.decrementAndGet();
      });
    }
  }

  /** Waits, with the lock held, until {@code blocks} fit between the head and the on-disk tail. */
  private void makeRoom(int blocks) throws IOException, InterruptedException {
    long nagged = 0;
    while (live.head() + blocks - diskTail > logBlocks) {
      if (live.tail() > diskTail) {
        advanceDiskTail();
        continue;
      }
      long now = System.currentTimeMillis();
      if (now - nagged >= WRITE_BACK_NAG_MILLIS) {
        if (nagged != 0) {
          log.warn("{}: log full, still waiting for the owner to write back {} pinned blocks",
              region.where(), live.pinned().size());
        }
        nagged = now;
        long through = live.tailSequence();
        stats.recordWriteBackRequest();
        lock.unlock();
        try {
          requester.writeBackRequested(this, through);
        } finally {
          lock.lock();
        }
      } else {
        room.await(WRITE_BACK_NAG_MILLIS, TimeUnit.MILLISECONDS);
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /**
   * Moves the on-disk tail up to the in-memory one: first make the in-place writes durable, then
   * the header, and only then may the freed log space be overwritten. Called with the lock held;
   * only the writer thread writes headers.
   */
  private void advanceDiskTail() throws IOException {
    long newTail = live.tail();
    JournalHeader next = header.next(false, Math.floorMod(newTail, logBlocks), live.tailSequence());
    device.flush();
    region.writeHeader(next);
    header = next;
    diskTail = newTail;
    stats.recordTailAdvance();
  }

  private ByteBuffer encodeBuffer(int blocks) {
    int bytes = blocks * blockSize;
    if (encodeBuffer == null || encodeBuffer.capacity() < bytes) {
      encodeBuffer = ByteBuffer.allocateDirect(Math.max(bytes, 64 * blockSize));
    }
    return encodeBuffer.clear().limit(bytes);
  }

  /**
   * Withdraws the journal because its owner hit an error it cannot recover from (a failed in-place
   * write-back): every pending and later commit fails, and nothing more is written.
   */
  public void withdraw(Throwable cause) {
    fail(cause);
  }

  private IOException fail(Throwable t) {
    IOException e = new JournalFailedException(region.where() + ": withdrawn after an error: "
        + t.getMessage() + "; this node writes nothing more to the filesystem; the next mount"
        + " or another node's recovery replays what was committed", t);
    List<Pending> dropped;
    lock.lock();
    try {
      if (failure == null) {
        failure = e;
      }
      dropped = new ArrayList<>(queue);
      queue.clear();
      room.signalAll();
    } finally {
      lock.unlock();
    }
    log.error("{}", e.getMessage(), t);
    for (Pending p : dropped) {
      p.done().completeExceptionally(e);
    }
    return e;
  }

  /** The error that withdrew this journal, or null while it works. */
  public IOException failure() {
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for every queued transaction, then writes a clean header when every pinned block has
   * been written back (the owner writes back before closing), or a dirty one that keeps the live
   * transactions for the next mount's replay.
   */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      closing = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      writer.join();
      completer.shutdown();
      completer.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(region.where() + ": interrupted closing the journal");
    }
    lock.lock();
    try {
      if (failure != null) {
        throw failure;
      }
      device.flush();
      boolean clean = live.isEmpty();
      header = header.next(clean, Math.floorMod(live.tail(), logBlocks), live.tailSequence());
      region.writeHeader(header);
    } finally {
      lock.unlock();
    }
  }

  private static IOException asIo(Throwable t) {
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    return new IOException(t);
  }
}
