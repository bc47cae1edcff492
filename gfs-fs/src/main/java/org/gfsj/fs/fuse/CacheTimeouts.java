package org.gfsj.fs.fuse;

import java.time.Duration;

/**
 * How long the kernel may keep names (dentries, also negative ones) and attributes it was given
 * before asking again: FUSE's {@code entry_timeout} and {@code attr_timeout}.
 *
 * <p>Unless the mount says otherwise: an hour when this node alone changes the filesystem
 * (nolock), since every change then passes through this kernel, which updates or drops what it
 * caches itself (as for a local filesystem: the cached name of a created file, the attributes of
 * a written one); a second otherwise, as libfuse does, until glock demotes invalidate the
 * kernel's caches.
 */
record CacheTimeouts(Duration entry, Duration attr) {
  static final Duration SOLE_WRITER = Duration.ofHours(1);
  static final Duration SHARED = Duration.ofSeconds(1);

  CacheTimeouts {
    if (entry.isNegative() || attr.isNegative()) {
      throw new IllegalArgumentException("cache timeouts cannot be negative");
    }
  }

  /** The timeouts given ({@code null}: not given), the others chosen as above. */
  static CacheTimeouts of(Duration entry, Duration attr, boolean soleWriter) {
    Duration chosen = soleWriter ? SOLE_WRITER : SHARED;
    return new CacheTimeouts(entry != null ? entry : chosen, attr != null ? attr : chosen);
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
