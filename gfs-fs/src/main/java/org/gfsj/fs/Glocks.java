package org.gfsj.fs;

import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockModule;
import org.gfsj.fs.lock.LockName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every glock of the mount, by name; routes the lock manager's blocking callbacks to them. */
final class Glocks implements LockModule.Callbacks {
  private static final Logger log = LoggerFactory.getLogger(Glocks.class);

  private final LockModule module;
  private final Glock.Operations operations;
  private final ConcurrentHashMap<LockName, Glock> glocks = new ConcurrentHashMap<>();
  /** Above this many glocks, {@link #shrink} gives idle inode glocks back. */
  private final int most;
  /** After a shrink that could not get under {@link #most}: the size at which to try again. */
  private int retryAbove;

  Glocks(LockModule module, Glock.Operations operations, int most) {
    this.module = module;
    this.operations = operations;
    this.most = most;
    module.start(this);
  }

  Glock get(LockName.Type type, long number) {
    LockName name = new LockName(type, number);
    Glock g = glocks.get(name);
    return g != null ? g : glocks.computeIfAbsent(name, n -> new Glock(n, module, operations));
  }

  @Override
  public void blocking(LockName name, LockMode wanted) {
    Glock g = glocks.get(name);
    if (g == null) {
      return;
    }
    try {
      g.blocking(wanted);
    } catch (IOException e) {
      log.error("{}: demote for another node failed: {}", name, e.getMessage(), e);
    }
  }

  /**
   * Bounds the table, as GFS2's glock shrinker does: without it, every inode a mount ever touched,
   * deleted ones included, kept a glock (and its lock) for the life of the mount. While there are
   * more than {@code most}, gives back idle glocks of inodes that {@code cached} says are not
   * cached (a cached inode names its glock, so that one must stay the only one of its name),
   * down to three quarters of the bound. The caller holds the mount's operation lock, so no
   * call looks a glock up meanwhile; a blocking callback that finds a glock given back has
   * nothing left to demote.
   */
  void shrink(LongPredicate cached) throws IOException {
    if (glocks.size() <= Math.max(most, retryAbove)) {
      return;
    }
    Iterator<Glock> it = glocks.values().iterator();
    while (it.hasNext() && glocks.size() > most / 4 * 3) {
      Glock g = it.next();
      if (g.name().type() == LockName.Type.INODE && !cached.test(g.name().number())
          && g.releaseIfIdle()) {
        it.remove();
      }
    }
    retryAbove = glocks.size() + most / 8;
  }

  int size() {
    return glocks.size();
  }

  /** Unmount: gives every lock back. */
  void dropAll() {
    glocks.values().forEach(Glock::drop);
    glocks.clear();
    module.close();
  }
}
