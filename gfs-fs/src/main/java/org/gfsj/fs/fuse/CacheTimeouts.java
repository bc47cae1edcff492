package org.gfsj.fs.fuse;

import java.time.Duration;

/**
 * How long the kernel may keep names (dentries, also negative ones) and attributes it was given
 * before asking again: FUSE's {@code entry_timeout} and {@code attr_timeout}.
 */
public record CacheTimeouts(Duration entry, Duration attr) {
  public CacheTimeouts {
    if (entry.isNegative() || attr.isNegative()) {
      throw new IllegalArgumentException("cache timeouts cannot be negative");
    }
  }

  long entrySeconds() {
    return entry.getSeconds();
  }

  int entryNanos() {
    return entry.getNano();
  }

  long attrSeconds() {
    return attr.getSeconds();
  }

  int attrNanos() {
    return attr.getNano();
  }
}
