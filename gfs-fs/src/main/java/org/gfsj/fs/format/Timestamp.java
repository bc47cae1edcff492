package org.gfsj.fs.format;

import java.time.Instant;

/** A dinode time: seconds since the epoch and nanoseconds, as stat(2) reports them. */
public record Timestamp(long seconds, int nanos) {
  public Timestamp {
    if (nanos < 0 || nanos > 999_999_999) {
      throw new IllegalArgumentException("nanoseconds " + nanos + " out of range");
    }
  }

  public static Timestamp of(Instant instant) {
    return new Timestamp(instant.getEpochSecond(), instant.getNano());
  }
}
