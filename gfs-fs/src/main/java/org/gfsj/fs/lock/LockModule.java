package org.gfsj.fs.lock;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;

/**
 * The lock manager as the filesystem sees it, as GFS2's lock modules (lock_nolock, lock_dlm) are:
 * request a resource in a mode, converting whatever this node holds, and be told when another node
 * wants it. {@code nolock} grants everything in process ({@link NolockModule}); the lockd client
 * implements the same interface over the network.
 *
 * <p>Rules an implementation keeps: a request completes when granted (possibly on another thread);
 * requests for one resource complete in the order made; {@link Callbacks#blocking} may arrive at any
 * time on any thread and must not be answered by blocking the caller: the glock demotes and then
 * converts with a new request.
 */
public interface LockModule extends Closeable {
  /** What the lock manager tells the node without being asked. */
  interface Callbacks {
    /** Another node wants {@code name} in {@code wanted}, which conflicts with what this node holds. */
    void blocking(LockName name, LockMode wanted);
  }

  /** The protocol's name as the superblock and mount options spell it. */
  String protocol();

  /** Starts delivering {@link Callbacks}; called once, before the first request. */
  void start(Callbacks callbacks);

  /**
   * Converts this node's hold on {@code name} to {@code mode} ({@link LockMode#UN} releases it);
   * completes with the mode granted. With {@code tryOnly} a request that would have to wait
   * completes at once with the mode still held.
   */
  CompletableFuture<LockMode> request(LockName name, LockMode mode, boolean tryOnly);

  /** Drops every lock this node holds: unmount. */
  @Override
  void close();
}
