package org.gfsj.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockModule;
import org.gfsj.fs.lock.LockName;

/**
 * This node's cached view of one cluster lock, as GFS2's glock: the mode held, how many local
 * operations use it now, and the cached blocks it covers.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Nothing is cached without its glock: {@link BufferCache} reads a block only under the glock
 *       that covers it and records the block here.
 *   <li>A glock is kept after its last local holder is done: the next operation on the same inode
 *       or resource group needs no round trip to the lock manager. It is given up when the lock
 *       manager says another node wants it (a blocking callback), or, idle and covering nothing
 *       cached, when the mount holds too many ({@link Glocks#shrink}).
 *   <li>Demote (EX to anything lower): commit the journal and write the covered blocks back in
 *       place, so that the next holder reads them from the disk; to UN, also drop the cached
 *       blocks, which another node may change next. Only then convert.
 *   <li>A blocking callback that arrives while local holders are active is remembered and served
 *       by the last {@link #release}.
 * </ul>
 *
 * <h2>Lock order</h2>
 * The rename glock, then inode glocks by inode number, then resource-group glocks, then the
 * transaction (the journal). Under {@code nolock} nothing blocks, so order violations cannot
 * deadlock on one node; the cluster protocol needs the order kept.
 *
 * <h2>Concurrency</h2>
 * The monitor of this object guards every field; a demote runs with it held, so holders wait for a
 * demote to finish before they hold again, as GFS2's holders queue behind a demote.
 */
final class Glock {
  /** What a demote does to the cached state the glock covers. */
  interface Operations {
    /** Makes everything this glock covers durable in place: journal commit, then write-back. */
    void sync(Glock glock) throws IOException;

    /** Drops the cached blocks this glock covers. */
    void invalidate(Glock glock);
  }

  private final LockName name;
  private final LockModule module;
  private final Operations operations;
  private final Set<Long> blocks = new HashSet<>();
  private LockMode mode = LockMode.UN;
  private int holders;
  private LockMode demoteWanted;

  Glock(LockName name, LockModule module, Operations operations) {
    this.name = name;
    this.module = module;
    this.operations = operations;
  }

  LockName name() {
    return name;
  }

  synchronized LockMode mode() {
    return mode;
  }

  /** Takes a local hold in at least {@code wanted}, asking the lock manager if not cached. */
  synchronized void hold(LockMode wanted) throws IOException {
    if (!mode.covers(wanted)) {
      convert(wanted == LockMode.DF && mode == LockMode.SH ? LockMode.EX : wanted);
    }
    holders++;
  }

  /** Ends a local hold; serves a demote that waited for it. */
  synchronized void release() throws IOException {
    if (holders <= 0) {
      throw new IllegalStateException(name + " released more often than held");
    }
    holders--;
    if (holders == 0 && demoteWanted != null) {
      LockMode wanted = demoteWanted;
      demoteWanted = null;
      demoteFor(wanted);
    }
  }

  /** The lock manager says another node wants this lock in {@code wanted}. */
  synchronized void blocking(LockMode wanted) throws IOException {
    if (holders > 0) {
      demoteWanted = wanted;
      return;
    }
    demoteFor(wanted);
  }

  private void demoteFor(LockMode wanted) throws IOException {
    // Another node's SH can share with our SH; anything else makes us give the lock up.
    LockMode target = wanted == LockMode.SH && mode != LockMode.DF ? LockMode.SH : LockMode.UN;
    if (mode == LockMode.UN || mode == target) {
      return;
    }
    if (mode == LockMode.EX || mode == LockMode.DF) {
      operations.sync(this);
    }
    if (target == LockMode.UN) {
      operations.invalidate(this);
    }
    convert(target);
  }

  private void convert(LockMode to) throws IOException {
    try {
      mode = module.request(name, to, false).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(name + ": the " + module.protocol() + " lock module failed to grant "
          + to + ": " + cause, cause);
    }
  }

  /** Records that the cache holds {@code block} under this glock. */
  synchronized void cover(long block) {
    blocks.add(block);
  }

  synchronized void uncover(long block) {
    blocks.remove(block);
  }

  /** The blocks cached under this glock, as of now. */
  synchronized Set<Long> coveredBlocks() {
    return Set.copyOf(blocks);
  }

  /**
   * Gives the lock back if nothing uses it: no local holder, no demote pending and no cached block
   * under it. Nothing it covers is cached then, so there is nothing to write back first. Returns
   * whether it was given back; the caller forgets it.
   */
  synchronized boolean releaseIfIdle() throws IOException {
    if (holders > 0 || demoteWanted != null || !blocks.isEmpty()) {
      return false;
    }
    if (mode != LockMode.UN) {
      convert(LockMode.UN);
    }
    return true;
  }

  /** Unmount: drops the lock without caring for the cache, which the unmount wrote back. */
  synchronized void drop() {
    try {
      if (mode != LockMode.UN) {
        convert(LockMode.UN);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name + " " + mode;
  }
}
