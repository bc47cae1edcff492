package org.gfsj.lockd.core;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;

/**
 * One lock resource: its holders in three FIFO queues and its lock value block. A converting
 * holder sits in both {@link #granted} (its current mode still counts) and {@link #converting}.
 * Owned and mutated only by {@link LockSpace}.
 */
public final class Resource {
  static final byte[] EMPTY_VALUE_BLOCK = new byte[0];

  private final ResourceName name;
  /** Every holder with a granted mode, in grant order. */
  final LinkedHashMap<Long, Holder> granted = new LinkedHashMap<>();
  /** Granted holders waiting for another mode, FIFO. */
  final LinkedHashMap<Long, Holder> converting = new LinkedHashMap<>();
  /** First requests not yet granted, FIFO. */
  final LinkedHashMap<Long, Holder> waiting = new LinkedHashMap<>();
  byte[] valueBlock = EMPTY_VALUE_BLOCK;
  /** False once a PW/EX holder died without writing it back: users must rebuild what it caches. */
  boolean valueBlockValid = true;

  Resource(ResourceName name) {
    this.name = name;
  }

  public ResourceName name() {
    return name;
  }

  public Collection<Holder> grantedHolders() {
    return Collections.unmodifiableCollection(granted.values());
  }

  public Collection<Holder> convertingHolders() {
    return Collections.unmodifiableCollection(converting.values());
  }

  public Collection<Holder> waitingHolders() {
    return Collections.unmodifiableCollection(waiting.values());
  }

  public byte[] valueBlock() {
    return valueBlock.clone();
  }

  public boolean valueBlockValid() {
    return valueBlockValid;
  }

  Holder holder(long owner) {
    Holder h = granted.get(owner);
    return h != null ? h : waiting.get(owner);
  }

  /** A resource with nothing to remember can be forgotten. */
  boolean idle() {
    return granted.isEmpty() && waiting.isEmpty() && valueBlock.length == 0 && valueBlockValid;
  }
}
