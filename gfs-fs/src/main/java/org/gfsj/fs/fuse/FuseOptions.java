package org.gfsj.fs.fuse;

import java.time.Duration;

/**
 * How the FUSE front mounts and serves.
 *
 * @param device what the mount serves, shown as the source in /proc/mounts
 * @param readOnly mount read-only
 * @param allowOther serve every user of the machine, not only the one who mounted
 * @param autoUnmount unmount the directory when the serving process dies
 * @param singleThreaded serve requests on one thread
 * @param debug log every request
 * @param maxWrite the largest read or write request, in bytes (at most 1 MiB)
 * @param readaheadKb the kernel's readahead for this mount in KiB (the mount's bdi
 *     read_ahead_kb), 0 to leave the kernel's 128; FUSE's INIT cannot raise it
 * @param entryTimeout how long the kernel may cache a name, null to let {@link KernelCaching}
 *     choose for the filesystem
 * @param attrTimeout how long the kernel may cache attributes, null likewise
 * @param writebackCache whether the kernel caches written data ({@code writeback_cache}), null
 *     likewise
 * @param readdirplusAuto let the kernel choose when a listing carries attributes
 *     ({@code readdirplus=auto}) instead of always ({@code readdirplus=always})
 */
public record FuseOptions(
    String device,
    boolean readOnly,
    boolean allowOther,
    boolean autoUnmount,
    boolean singleThreaded,
    boolean debug,
    int maxWrite,
    int readaheadKb,
    Duration entryTimeout,
    Duration attrTimeout,
    Boolean writebackCache,
    boolean readdirplusAuto) {

  /** Readahead unless the options say otherwise: several 1 MiB reads in flight. */
  public static final int DEFAULT_READAHEAD_KB = 4096;

  /** The largest request the kernel sends (256 pages). */
  public static final int MAX_WRITE = FuseInit.MAX_WRITE;

  public FuseOptions {
    if (maxWrite < 4096 || maxWrite > MAX_WRITE) {
      throw new IllegalArgumentException("max_write=" + maxWrite + " is outside 4096.."
          + MAX_WRITE + " (the kernel's FUSE sends at most 1 MiB per request)");
    }
    if (readaheadKb < 0 || readaheadKb > 65536) {
      throw new IllegalArgumentException("readahead=" + readaheadKb + " is outside 0..65536 KiB");
    }
    for (Duration t : new Duration[] {entryTimeout, attrTimeout}) {
      if (t != null && t.isNegative()) {
        throw new IllegalArgumentException("a cache timeout cannot be negative");
      }
    }
  }

  /** Options with the cache timeouts chosen for the filesystem. */
  public FuseOptions(String device, boolean readOnly, boolean allowOther, boolean autoUnmount,
      boolean singleThreaded, boolean debug, int maxWrite, int readaheadKb) {
    this(device, readOnly, allowOther, autoUnmount, singleThreaded, debug, maxWrite, readaheadKb,
        null, null, null, false);
  }

  /**
   * The same options with other kernel caching ({@code entry_timeout=}, {@code attr_timeout=},
   * {@code writeback_cache}); null leaves each to be chosen for the filesystem.
   */
  public FuseOptions withCaching(Duration entry, Duration attr, Boolean writeback) {
    return new FuseOptions(device, readOnly, allowOther, autoUnmount, singleThreaded, debug,
        maxWrite, readaheadKb, entry, attr, writeback, readdirplusAuto);
  }

  /** The same options with the kernel ({@code true}) or always ({@code false}) choosing plus. */
  public FuseOptions withReaddirplusAuto(boolean auto) {
    return new FuseOptions(device, readOnly, allowOther, autoUnmount, singleThreaded, debug,
        maxWrite, readaheadKb, entryTimeout, attrTimeout, writebackCache, auto);
  }
}
