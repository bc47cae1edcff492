package org.gfsj.fs.fuse;

import java.time.Duration;

/**
 * What the kernel may keep for this mount: names (dentries, also negative ones) and attributes
 * for FUSE's {@code entry_timeout} and {@code attr_timeout}, and written data in its page cache
 * (FUSE_WRITEBACK_CACHE: write(2) returns once the bytes are in the page cache; the kernel sends
 * them in 1 MiB requests, several at once, on writeback, fsync and close).
 *
 * <p>Unless the mount says otherwise: when this node alone changes the filesystem (nolock), names
 * and attributes for an hour and writeback caching on, since every change then passes through
 * this kernel, which updates or drops what it caches itself, as for a local filesystem. In a
 * cluster a second and no writeback caching, as libfuse does, until glock demotes invalidate the
 * kernel's caches.
 */
record KernelCaching(Duration entry, Duration attr, boolean writeback) {
  static final Duration SOLE_WRITER = Duration.ofHours(1);
  static final Duration SHARED = Duration.ofSeconds(1);

  KernelCaching {
    if (entry.isNegative() || attr.isNegative()) {
      throw new IllegalArgumentException("cache timeouts cannot be negative");
    }
  }

  /** The settings given ({@code null}: not given), the others chosen as above. */
  static KernelCaching of(Duration entry, Duration attr, Boolean writeback, boolean soleWriter) {
    Duration chosen = soleWriter ? SOLE_WRITER : SHARED;
    return new KernelCaching(entry != null ? entry : chosen, attr != null ? attr : chosen,
        writeback != null ? writeback : soleWriter);
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
