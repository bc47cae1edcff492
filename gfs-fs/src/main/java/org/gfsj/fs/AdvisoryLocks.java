package org.gfsj.fs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.fs.vfs.Vfs.ByteRangeLock;

/**
 * flock(2) and fcntl(2) advisory locks, held in this node's memory (GFS2 with lock_nolock keeps
 * them local too; in a cluster they will go through the lock manager as GFS2's plocks do).
 *
 * <p>POSIX locks belong to a lock owner and are split and merged by byte range: a new lock
 * replaces whatever the same owner held in its range. flock locks belong to an open file (a
 * handle) and cover the whole file. Waiters wait on this object's monitor and are woken by every
 * release; no operation lock is held while waiting.
 */
final class AdvisoryLocks {
  private final Map<Long, List<ByteRangeLock>> posix = new HashMap<>();
  /** Per inode: handle to LOCK_SH or LOCK_EX. */
  private final Map<Long, Map<Long, Integer>> flocks = new HashMap<>();

  private static boolean overlaps(ByteRangeLock a, long start, long end) {
    return a.start() <= end && start <= a.end();
  }

  private static boolean conflicts(ByteRangeLock held, ByteRangeLock wanted) {
    return held.owner() != wanted.owner() && overlaps(held, wanted.start(), wanted.end())
        && (held.type() == Vfs.F_WRLCK || wanted.type() == Vfs.F_WRLCK);
  }

  synchronized ByteRangeLock test(long ino, ByteRangeLock wanted) {
    for (ByteRangeLock held : posix.getOrDefault(ino, List.of())) {
      if (conflicts(held, wanted)) {
        return held;
      }
    }
    return new ByteRangeLock(Vfs.F_UNLCK, wanted.start(), wanted.end(), wanted.owner(),
        wanted.pid());
  }

  synchronized void set(long ino, ByteRangeLock lock, boolean wait) throws IOException {
    if (lock.start() < 0 || lock.end() < lock.start()) {
      throw new FsException(Errno.EINVAL, "lock range " + lock.start() + ".." + lock.end());
    }
    if (lock.type() != Vfs.F_UNLCK) {
      while (test(ino, lock).type() != Vfs.F_UNLCK) {
        if (!wait) {
          throw new FsException(Errno.EAGAIN, "inode " + ino + ": bytes " + lock.start() + ".."
              + lock.end() + " are locked by another owner");
        }
        await();
      }
    }
    List<ByteRangeLock> list = posix.computeIfAbsent(ino, k -> new ArrayList<>());
    List<ByteRangeLock> kept = new ArrayList<>();
    for (ByteRangeLock held : list) {
      if (held.owner() != lock.owner() || !overlaps(held, lock.start(), lock.end())) {
        kept.add(held);
        continue;
      }
      if (held.start() < lock.start()) {
        kept.add(new ByteRangeLock(held.type(), held.start(), lock.start() - 1, held.owner(),
            held.pid()));
      }
      if (held.end() > lock.end()) {
        kept.add(new ByteRangeLock(held.type(), lock.end() + 1, held.end(), held.owner(),
            held.pid()));
      }
    }
    if (lock.type() != Vfs.F_UNLCK) {
      kept.add(lock);
    }
    if (kept.isEmpty()) {
      posix.remove(ino);
    } else {
      posix.put(ino, kept);
    }
    notifyAll();
  }

  synchronized void flock(long ino, long handle, int operation) throws IOException {
    int op = operation & ~Vfs.LOCK_NB;
    Map<Long, Integer> held = flocks.computeIfAbsent(ino, k -> new HashMap<>());
    if (op == Vfs.LOCK_UN) {
      held.remove(handle);
      notifyAll();
      return;
    }
    if (op != Vfs.LOCK_SH && op != Vfs.LOCK_EX) {
      throw new FsException(Errno.EINVAL, "flock operation " + operation);
    }
    // A conversion drops the old lock first, as Linux's flock does.
    if (held.remove(handle) != null) {
      notifyAll();
    }
    while (true) {
      boolean conflict = false;
      for (Map.Entry<Long, Integer> e : held.entrySet()) {
        if (e.getKey() != handle && (op == Vfs.LOCK_EX || e.getValue() == Vfs.LOCK_EX)) {
          conflict = true;
        }
      }
      if (!conflict) {
        break;
      }
      if ((operation & Vfs.LOCK_NB) != 0) {
        throw new FsException(Errno.EAGAIN, "inode " + ino + " is flock'ed by another open file");
      }
      await();
    }
    held.put(handle, op);
  }

  /** The last close of {@code handle}: its flock goes. */
  synchronized void released(long ino, long handle) {
    Map<Long, Integer> held = flocks.get(ino);
    if (held != null && held.remove(handle) != null) {
      if (held.isEmpty()) {
        flocks.remove(ino);
      }
      notifyAll();
    }
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for a lock");
    }
  }
}
