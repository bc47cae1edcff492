package org.gfsj.fs;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
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

  Glocks(LockModule module, Glock.Operations operations) {
    this.module = module;
    this.operations = operations;
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

  /** Unmount: gives every lock back. */
  void dropAll() {
    glocks.values().forEach(Glock::drop);
    glocks.clear();
    module.close();
  }
}
