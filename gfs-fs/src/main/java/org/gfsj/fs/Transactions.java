package org.gfsj.fs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.journal.log.JournalWriter;
import org.gfsj.journal.log.Transaction;

/**
 * The running transaction and its commits to the journal (GFS2's trans.c and log.c, jbd2's
 * running and committing transactions).
 *
 * <h2>The running transaction</h2>
 * Each operation's {@link FsTransaction} joins the running transaction when the operation ends
 * ({@link #join}); nothing is written then. The running transaction is committed as one journal
 * transaction when fsync, sync or unmount asks for it, when the commit interval has passed (the
 * {@code commit=} mount option), when it has grown to half of the largest transaction the journal
 * takes, and when an allocation needs blocks that only a commit can give back. A block changed by a
 * thousand operations between two commits is logged once, and the operations themselves do no I/O
 * for metadata: this is what makes creates, unlinks and appends cheap. An operation that returned
 * but was not yet committed is lost by a crash, as on ext4 and GFS2; what fsync returned for is
 * not.
 *
 * <h2>Commit</h2>
 * The changed blocks are sealed (their CRC recomputed), copied ({@link BufferCache#snapshotForLog})
 * and handed to {@link JournalWriter#commitAsync}; the committer does not wait. When the commit is
 * durable the cache queues the images for in-place write-back and the freed runs become
 * allocatable again. Committing and joining happen under the mount's operation lock: the blocks'
 * current contents are then those of whole operations.
 *
 * <h2>Ordered data</h2>
 * File data is written in place by the operation itself, before it joins. When it went into
 * blocks the transaction allocates, the journal transaction is marked ordered, and the journal
 * flushes the device before writing the log: a disk that reorders writes can then never keep the
 * commit that maps a block and lose the data written into it.
 *
 * <h2>Durability</h2>
 * Commits complete in the order queued, so waiting for the newest ({@link #waitForCommits}) waits
 * for all: with {@link #commitRunning} first, that is fsync and sync. A commit that fails
 * withdraws the mount.
 */
final class Transactions {
  private final BufferCache cache;
  private final Consumer<Throwable> withdraw;
  private JournalWriter journal;
  private int runningLimit = Integer.MAX_VALUE;
  private FsTransaction running = new FsTransaction();
  private CompletableFuture<Long> newest = CompletableFuture.completedFuture(0L);

  Transactions(BufferCache cache, Consumer<Throwable> withdraw) {
    this.cache = cache;
    this.withdraw = withdraw;
  }

  void attach(JournalWriter journal) {
    this.journal = journal;
    // half of the journal's limit leaves room for descriptor and revoke blocks
    this.runningLimit = Math.max(1, journal.maxTransactionBlocks() / 2);
  }

  /**
   * Adds a finished operation's changes to the running transaction, and commits it when it has
   * grown to its limit. The caller holds the operation lock.
   */
  void join(FsTransaction tx) {
    if (tx.isEmpty()) {
      return;
    }
    for (long address : tx.revoked()) {
      cache.revoked(address);
    }
    if (running.blocks() + tx.blocks() > runningLimit) {
      commitRunning();
    }
    running.absorb(tx);
    if (running.blocks() >= runningLimit) {
      commitRunning();
    }
  }

  /** Whether operations changed metadata that no commit has taken yet. */
  boolean hasRunning() {
    return !running.isEmpty();
  }

  /**
   * Queues the running transaction for the journal and starts a new one; does not wait. The
   * caller holds the operation lock.
   */
  void commitRunning() {
    FsTransaction tx = running;
    if (tx.isEmpty()) {
      return;
    }
    running = new FsTransaction();
    Transaction log = new Transaction();
    Map<BufferCache.Buffer, ByteBuffer> images = new IdentityHashMap<>();
    for (BufferCache.Buffer b : tx.changed()) {
      MetadataHeader.seal(b.data);
      ByteBuffer image = cache.snapshotForLog(b);
      images.put(b, image);
      log.log(b.address, image.duplicate());
    }
    for (long address : tx.revoked()) {
      log.revoke(address);
    }
    if (tx.hasOrderedData()) {
      log.orderedData();
    }
    CompletableFuture<Long> done = journal.commitAsync(log);
    CompletableFuture<Long> applied = done.whenComplete((sequence, failure) -> {
      if (failure != null) {
        withdraw.accept(failure);
        return;
      }
      cache.committed(images, sequence);
      cache.revokesCommitted(tx.revoked());
      for (FsTransaction.FreedRun run : tx.freedRuns()) {
        run.group().reusable(run.index(), run.count());
      }
    });
    synchronized (this) {
      newest = applied;
    }
  }

  /**
   * Commits the running transaction and waits until it and every transaction before it is
   * durable. The caller holds the operation lock.
   */
  void commitAndWait() throws IOException {
    commitRunning();
    waitForCommits();
  }

  /**
   * Whether {@code tx} still fits one journal transaction after about {@code moreImages} more
   * changed blocks and {@code moreRevokes} more revokes; the journal refuses a larger one.
   */
  boolean fits(FsTransaction tx, int moreImages, int moreRevokes) {
    return journal == null || Transaction.logBlocks(tx.changed().size() + moreImages,
        tx.revoked().size() + moreRevokes, cache.blockSize()) <= journal.maxTransactionBlocks();
  }

  /** Waits until every transaction committed so far is durable; the running one is not. */
  void waitForCommits() throws IOException {
    CompletableFuture<Long> last;
    synchronized (this) {
      last = newest;
    }
    try {
      last.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the journal");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io
          : new IOException("journal commit failed: " + cause, cause);
    }
  }
}
