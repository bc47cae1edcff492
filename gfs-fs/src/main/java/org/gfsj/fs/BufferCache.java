package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.log.JournalWriter;
import org.gfsj.journal.log.WriteBackRequester;

/**
 * The node's cache of metadata blocks, by address, and the in-place write-back that follows each
 * journal commit (GFS2's meta_io and the AIL).
 *
 * <h2>A block's three images</h2>
 * Each {@link Buffer} holds up to three versions of its block:
 * <ul>
 *   <li>{@code data}: the current contents, changed by the operation running now;
 *   <li>{@code logged}: a copy handed to the journal in the newest transaction that changed it;
 *   <li>{@code committed}: the newest copy whose transaction is durable but which is not yet
 *       written in place, with that transaction's sequence.
 * </ul>
 * Only {@code committed} images are ever written in place, and only the newest: that is the rule
 * {@link JournalWriter} states, because an in-place write of uncommitted contents could not be
 * undone by replay after a crash, and an older image written after a newer one would bring back
 * what was overwritten.
 *
 * <h2>Write-back</h2>
 * A commit's completion queues its blocks ({@link #committed}). They are written in place when the
 * journal asks ({@link #writeBackRequested}, the log is full), when a glock is demoted, at sync and
 * at unmount; each write is reported with {@link JournalWriter#writtenBack} so that the log tail
 * moves. One write-back runs at a time ({@code writeBackLock}), so two images of one block are
 * never in flight together. A block freed by the filesystem leaves the cache at once, but its
 * queued image is dropped only when the revoking transaction is durable ({@link
 * #revokesCommitted}), under the same lock and before the block can be allocated again: so a
 * stale metadata image never lands on a block reused for file data, and the log can still be
 * made room for while the revoke waits for it.
 *
 * <h2>Eviction</h2>
 * Beyond {@code maxBuffers}, blocks that are not dirty (changed in the running transaction) and
 * have no image waiting for the journal or the disk are dropped; the disk then holds their newest
 * contents.
 *
 * <h2>Concurrency</h2>
 * The monitor of this object guards the maps and each buffer's {@code logged} and
 * {@code committed} fields; {@code data} and {@code dirty} belong to the holder of the mount's
 * operation lock. Device I/O is done without the monitor.
 */
final class BufferCache implements WriteBackRequester {
  /** One cached metadata block. */
  static final class Buffer {
    final long address;
    final ByteBuffer data;
    final Glock glock;
    /** Changed by an operation since its last image went to the journal: must stay cached. */
    boolean dirty;
    ByteBuffer logged;
    ByteBuffer committed;
    /** The sequence of the newest image committed so far; kept after its write-back. */
    long committedSequence;

    Buffer(long address, ByteBuffer data, Glock glock) {
      this.address = address;
      this.data = data;
      this.glock = glock;
    }
  }

  private final BlockDevice device;
  private final int blockSize;
  private final int maxBuffers;
  private final Consumer<Throwable> withdraw;
  private final HashMap<Long, Buffer> buffers = new HashMap<>();
  private final LinkedHashMap<Long, Buffer> toWriteBack = new LinkedHashMap<>();
  private final ReentrantLock writeBackLock = new ReentrantLock();
  private int retryAbove;
  private volatile JournalWriter journal;

  BufferCache(BlockDevice device, int maxBuffers, Consumer<Throwable> withdraw) {
    this.device = device;
    this.blockSize = device.blockSize();
    this.maxBuffers = maxBuffers;
    this.withdraw = withdraw;
  }

  void attach(JournalWriter journal) {
    this.journal = journal;
  }

  int blockSize() {
    return blockSize;
  }

  /** How a block read from the device is checked before anyone uses it. */
  @FunctionalInterface
  interface Check {
    void verify(ByteBuffer block, long address) throws CorruptMetadataException;
  }

  /**
   * The block at {@code address}, covered by {@code glock}: read from the device and checked with
   * {@code check} the first time, from the cache (as the running operation left it) afterwards.
   */
  Buffer read(long address, Glock glock, Check check) throws IOException {
    synchronized (this) {
      Buffer b = buffers.get(address);
      if (b != null) {
        return b;
      }
    }
    ByteBuffer data = ByteBuffer.allocate(blockSize);
    device.read(address, data);
    data.clear();
    check.verify(data, address);
    Buffer b = new Buffer(address, data, glock);
    synchronized (this) {
      Buffer raced = buffers.putIfAbsent(address, b);
      if (raced != null) {
        return raced;
      }
    }
    glock.cover(address);
    return b;
  }

  /**
   * A newly allocated metadata block, zeroed and not read. A block still cached (an extent block
   * laid out again) keeps its buffer, so that its committed image stays queued for write-back.
   */
  Buffer fresh(long address, Glock glock) {
    Buffer b;
    synchronized (this) {
      b = buffers.get(address);
      if (b != null) {
        java.util.Arrays.fill(b.data.array(), (byte) 0);
        return b;
      }
      b = new Buffer(address, ByteBuffer.allocate(blockSize), glock);
      buffers.put(address, b);
    }
    glock.cover(address);
    return b;
  }

  /** Hands {@code b}'s current contents to a transaction: the image to log. */
  synchronized ByteBuffer snapshotForLog(Buffer b) {
    // a copy of the array is not zeroed first, as a new buffer is
    ByteBuffer copy = ByteBuffer.wrap(java.util.Arrays.copyOfRange(b.data.array(),
        b.data.arrayOffset(), b.data.arrayOffset() + blockSize));
    b.logged = copy;
    b.dirty = false;
    return copy;
  }

  /**
   * The transaction holding {@code images} is durable as {@code sequence}: each image is now its
   * block's newest committed contents, so it replaces any image queued before, even when a newer
   * one is already logged: the log may need this one written to make room for that newer one.
   * Commits complete in log order; should one ever arrive after a newer commit of its block, it
   * is ignored: written back, it would bring back overwritten contents, and its sequence would
   * never release the newer transaction's pin on the log.
   */
  synchronized void committed(Map<Buffer, ByteBuffer> images, long sequence) {
    images.forEach((b, image) -> {
      Buffer cached = buffers.get(b.address);
      if ((cached == null || cached == b) && sequence >= b.committedSequence) {
        b.committed = image;
        b.committedSequence = sequence;
        toWriteBack.put(b.address, b);
      }
    });
  }

  /**
   * A transaction revokes {@code address} (the block was freed): nothing reads it from the cache
   * again. An image already queued stays queued until the revoke is durable: until then the log
   * may still need it written to make room.
   */
  void revoked(long address) {
    Buffer b;
    synchronized (this) {
      b = buffers.remove(address);
    }
    if (b != null) {
      b.glock.uncover(address);
    }
  }

  /**
   * The revokes of {@code addresses} are durable: replay will not bring their images back, so
   * their queued write-backs are dropped, before the blocks can be reused for anything else.
   */
  void revokesCommitted(Iterable<Long> addresses) {
    writeBackLock.lock();
    try {
      synchronized (this) {
        for (long a : addresses) {
          Buffer queued = toWriteBack.get(a);
          if (queued != null && buffers.get(a) != queued) {
            toWriteBack.remove(a);
          }
        }
      }
    } finally {
      writeBackLock.unlock();
    }
  }

  @Override
  public void writeBackRequested(JournalWriter journal, long sequence) {
    try {
      writeBack();
    } catch (IOException e) {
      withdraw.accept(e);
    }
  }

  /** Writes every committed image in place and reports each to the journal. */
  void writeBack() throws IOException {
    writeBackLock.lock();
    try {
      record Job(Buffer buffer, ByteBuffer image, long sequence) {}
      List<Job> jobs = new ArrayList<>();
      synchronized (this) {
        for (Buffer b : toWriteBack.values()) {
          jobs.add(new Job(b, b.committed, b.committedSequence));
        }
        toWriteBack.clear();
      }
      JournalWriter j = journal;
      for (Job job : jobs) {
        device.write(job.buffer.address, job.image.duplicate().clear());
      }
      for (Job job : jobs) {
        synchronized (this) {
          if (job.buffer.committed == job.image) {
            job.buffer.committed = null;
          }
          if (job.buffer.logged == job.image) {
            job.buffer.logged = null;
          }
        }
        if (j != null) {
          j.writtenBack(job.buffer.address, job.sequence);
        }
      }
    } finally {
      writeBackLock.unlock();
    }
  }

  /** Drops the blocks {@code glock} covers; they were written back by its demote. */
  void invalidate(Glock glock) {
    for (long address : glock.coveredBlocks()) {
      synchronized (this) {
        Buffer b = buffers.get(address);
        if (b != null && !b.dirty && b.logged == null && b.committed == null) {
          buffers.remove(address);
          glock.uncover(address);
        }
      }
    }
  }

  /**
   * Drops clean blocks while the cache is over its size; called between operations. Blocks that
   * are dirty or wait for the journal or the disk cannot go; when too few could, the next attempt
   * waits until the cache has grown by another eighth, so that a cache full of them is not
   * scanned again after every operation.
   */
  void shrink() {
    List<Buffer> dropped = new ArrayList<>();
    synchronized (this) {
      if (buffers.size() <= Math.max(maxBuffers, retryAbove)) {
        return;
      }
      Iterator<Buffer> it = buffers.values().iterator();
      while (it.hasNext() && buffers.size() > maxBuffers * 3 / 4) {
        Buffer b = it.next();
        if (!b.dirty && b.logged == null && b.committed == null) {
          it.remove();
          dropped.add(b);
        }
      }
      retryAbove = buffers.size() + maxBuffers / 8;
    }
    dropped.forEach(b -> b.glock.uncover(b.address));
  }

  synchronized int size() {
    return buffers.size();
  }

  synchronized Set<Long> queuedForWriteBack() {
    return Set.copyOf(toWriteBack.keySet());
  }
}
