package org.gfsj.lockd.core;

import java.util.ArrayList;
import java.util.List;

/** Keeps the events a test provoked, as readable strings. */
final class RecordingOutbox implements Outbox {
  final List<String> events = new ArrayList<>();
  final List<byte[]> grantedValueBlocks = new ArrayList<>();

  @Override
  public void granted(long owner, ResourceName resource, LockMode mode, byte[] valueBlock,
      boolean valueBlockValid) {
    events.add("granted " + owner + " " + resource + " " + mode);
    grantedValueBlocks.add(valueBlock);
  }

  @Override
  public void blocking(long owner, ResourceName resource, LockMode wanted) {
    events.add("blocking " + owner + " " + resource + " " + wanted);
  }

  List<String> take() {
    List<String> copy = new ArrayList<>(events);
    events.clear();
    return copy;
  }
}
