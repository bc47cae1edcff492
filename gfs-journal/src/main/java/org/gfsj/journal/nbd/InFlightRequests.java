package org.gfsj.journal.nbd;

import io.netty.util.collection.LongObjectHashMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * The requests that have been submitted and not yet ended, by handle.
 *
 * <p>Handles count up from 1 and are never reused, so a late reply can never be taken for the reply
 * to a newer request. Used only on the client's event loop.
 */
final class InFlightRequests implements NbdReplyDecoder.PayloadLengths {
  private final LongObjectHashMap<NbdRequest> byHandle = new LongObjectHashMap<>();
  private long nextHandle = 1;

  /** Gives {@code request} its handle and keeps it until it is removed. */
  void add(NbdRequest request) {
    request.handle = nextHandle++;
    byHandle.put(request.handle, request);
  }

  @Override
  public int payloadLength(long handle) {
    NbdRequest r = byHandle.get(handle);
    return r == null ? -1 : r.replyPayloadLength();
  }

  /** Removes and returns the request with {@code handle}, or null. */
  NbdRequest remove(long handle) {
    return byHandle.remove(handle);
  }

  boolean isEmpty() {
    return byHandle.isEmpty();
  }

  /** Whether a request still waits for its reply: one in the table and not abandoned. */
  boolean anyAwaited() {
    for (NbdRequest r : byHandle.values()) {
      if (!r.abandoned) {
        return true;
      }
    }
    return false;
  }

  int size() {
    return byHandle.size();
  }

  /**
   * Forgets requests whose deadline has passed and returns them. Those written to the live
   * connection {@code liveConnection} stay in the table, marked abandoned, so that the decoder still
   * knows how long their late replies are.
   */
  List<NbdRequest> expire(long nowNanos, long liveConnection) {
    List<NbdRequest> expired = new ArrayList<>();
    Iterator<NbdRequest> it = byHandle.values().iterator();
    while (it.hasNext()) {
      NbdRequest r = it.next();
      if (!r.abandoned && nowNanos - r.deadlineNanos >= 0) {
        expired.add(r);
        if (liveConnection != 0 && r.sentOn == liveConnection) {
          r.abandoned = true;
        } else {
          it.remove();
        }
      }
    }
    return expired;
  }

  /**
   * Called when a connection is lost: drops the abandoned requests, whose replies can no longer
   * come, and returns the others oldest first, to be sent again.
   */
  List<NbdRequest> unanswered() {
    byHandle.values().removeIf(r -> r.abandoned);
    List<NbdRequest> all = new ArrayList<>(byHandle.values());
    all.sort(Comparator.comparingLong(r -> r.handle));
    return all;
  }

  /** Removes every request and returns those not already abandoned. */
  List<NbdRequest> removeAll() {
    List<NbdRequest> all = new ArrayList<>();
    for (NbdRequest r : byHandle.values()) {
      if (!r.abandoned) {
        all.add(r);
      }
    }
    byHandle.clear();
    return all;
  }
}
