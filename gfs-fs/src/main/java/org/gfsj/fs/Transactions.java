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
 * Turns each operation's {@link FsTransaction} into a journal {@link Transaction} and tracks its
 * commit (GFS2's trans.c).
 *
 * <h2>Commit</h2>
 * At the end of an operation its changed blocks are sealed (their CRC recomputed), copied
 * ({@link BufferCache#snapshotForLog}) and handed to {@link JournalWriter#commitAsync}; the
 * operation returns without waiting. Many operations thus share one log write and one flush (the
 * journal's group commit). When the commit is durable the cache queues the images for in-place
 * write-back and the freed runs become allocatable again.
 *
 * <h2>Ordered data</h2>
 * File data is written in place by the operation itself, before {@link #commit} is called. When it
 * went into blocks the transaction allocates, the journal transaction is marked ordered, and the
 * journal flushes the device before writing the log: a disk that reorders writes can then never
 * keep the commit that maps a block and lose the data written into it.
 *
 * <h2>Durability</h2>
 * Commits complete in the order queued, so waiting for the newest ({@link #waitForCommits}) waits
 * for all: that is fsync and sync. A commit that fails withdraws the mount.
 */
final class Transactions {
  private final BufferCache cache;
  private final Consumer<Throwable> withdraw;
  private JournalWriter journal;
  private CompletableFuture<Long> newest = CompletableFuture.completedFuture(0L);

  Transactions(BufferCache cache, Consumer<Throwable> withdraw) {
    this.cache = cache;
    this.withdraw = withdraw;
  }

  void attach(JournalWriter journal) {
    this.journal = journal;
  }

  /** Queues {@code tx} for the journal; does not wait. */
  void commit(FsTransaction tx) {
    if (tx.isEmpty()) {
      return;
    }
    Transaction log = new Transaction();
    Map<BufferCache.Buffer, ByteBuffer> images = new IdentityHashMap<>();
    for (BufferCache.Buffer b : tx.changed()) {
      MetadataHeader.seal(b.data);
      ByteBuffer image = cache.snapshotForLog(b);
      images.put(b, image);
      log.log(b.address, image.duplicate());
    }
    for (long address : tx.revoked()) {
      cache.revoked(address);
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
   * Whether {@code tx} still fits one journal transaction after about {@code moreImages} more
   * changed blocks and {@code moreRevokes} more revokes; the journal refuses a larger one.
   */
  boolean fits(FsTransaction tx, int moreImages, int moreRevokes) {
    return journal == null || Transaction.logBlocks(tx.changed().size() + moreImages,
        tx.revoked().size() + moreRevokes, cache.blockSize()) <= journal.maxTransactionBlocks();
  }

  /** Waits until every transaction committed so far is durable. */
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
