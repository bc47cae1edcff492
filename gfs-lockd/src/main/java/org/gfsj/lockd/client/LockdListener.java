package org.gfsj.lockd.client;

import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/**
 * What lockd tells a node unasked. Called on the client's single event thread: return quickly
 * (hand long work to another thread); calling the client from here is allowed.
 */
public interface LockdListener {

  /**
   * Another node waits for {@code resource} in {@code wanted}, which the mode held here blocks.
   * The same news may come twice (after a reconnect); treat it idempotently.
   */
  default void blocking(ResourceName resource, LockMode wanted) {}

  /**
   * The lease could not be renewed in time: stop every I/O to the shared disk now, before the
   * leader can declare this node dead and let others recover its journal. The client is dead
   * afterwards; a new one must register.
   */
  default void selfFenced(String why) {}
}
