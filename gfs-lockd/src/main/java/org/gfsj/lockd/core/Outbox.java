package org.gfsj.lockd.core;

/**
 * Receives the events that applying a request produces for owners other than (or later than) the
 * requester. Every replica produces the same events in the same order; each delivers those of the
 * clients connected to it.
 */
public interface Outbox {

  /** A queued request or conversion of {@code owner} was granted. */
  void granted(long owner, ResourceName resource, LockMode mode, byte[] valueBlock,
      boolean valueBlockValid);

  /** {@code owner}'s hold on {@code resource} keeps a request for {@code wanted} waiting. */
  void blocking(long owner, ResourceName resource, LockMode wanted);
}
