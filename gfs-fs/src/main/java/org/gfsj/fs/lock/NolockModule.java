package org.gfsj.fs.lock;

import java.util.concurrent.CompletableFuture;

/**
 * The single-node protocol: every request is granted at once, in process, and no other node ever
 * asks for anything, so no blocking callback is ever sent. As GFS2's lock_nolock, it is correct
 * only while no other node mounts the device.
 */
public final class NolockModule implements LockModule {
  @Override
  public String protocol() {
    return "nolock";
  }

  @Override
  public void start(Callbacks callbacks) {
    // Nothing ever conflicts: there is no one to call back about.
  }

  @Override
  public CompletableFuture<LockMode> request(LockName name, LockMode mode, boolean tryOnly) {
    return CompletableFuture.completedFuture(mode);
  }

  @Override
  public void close() {}
}
