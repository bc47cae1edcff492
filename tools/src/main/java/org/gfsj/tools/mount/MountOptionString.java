package org.gfsj.tools.mount;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.gfsj.fs.MountOptions;
import org.gfsj.fs.fuse.FuseOptions;

/**
 * mount.gfsj's {@code -o} string, split three ways: the filesystem's options (ro, noatime,
 * journal=N... for {@link MountOptions}), FUSE's (allow_other, max_write, auto_unmount, debug,
 * fuse_threads), and mount(8)'s own bookkeeping (defaults, noauto, _netdev, x-*...), which an
 * fstab line may carry and a helper must accept and ignore.
 */
record MountOptionString(MountOptions filesystem, FuseOptions fuse) {
  private static final Set<String> MOUNT8_ONLY = Set.of("defaults", "auto", "noauto", "user",
      "nouser", "users", "owner", "group", "nofail", "_netdev", "nosuid", "suid", "nodev", "dev",
      "exec", "noexec", "async", "loop");
  private static final Set<String> MOUNT8_PREFIXES = Set.of("x-", "comment=", "helper=");

  /**
   * Parses {@code options} for {@code device}. {@code root} says whether the mount is made by
   * root: only then is allow_other the default, as fusermount refuses it to other users unless
   * /etc/fuse.conf has user_allow_other. {@code sloppy} (mount -s) drops filesystem options
   * this version does not know instead of refusing them.
   */
  static MountOptionString parse(String options, String device, boolean root,
      boolean sloppy) {
    List<String> fs = new ArrayList<>();
    boolean readOnly = false;
    boolean allowOther = root;
    boolean autoUnmount = true;
    boolean single = false;
    boolean debug = false;
    int maxWrite = FuseOptions.MAX_WRITE;
    int readahead = FuseOptions.DEFAULT_READAHEAD_KB;
    Duration entryTimeout = null;
    Duration attrTimeout = null;
    Boolean writeback = null;
    boolean readdirplusAuto = false;
    for (String opt : options.split(",")) {
      String key = opt.contains("=") ? opt.substring(0, opt.indexOf('=')) : opt;
      String value = opt.contains("=") ? opt.substring(opt.indexOf('=') + 1) : "";
      switch (key) {
        case "" -> { }
        case "allow_other" -> allowOther = true;
        case "noallow_other" -> allowOther = false;
        case "auto_unmount" -> autoUnmount = true;
        case "noauto_unmount" -> autoUnmount = false;
        case "big_writes" -> { } // always on
        case "max_write" -> maxWrite = number(opt, value);
        case "readahead" -> readahead = number(opt, value);
        case "debug" -> debug = true;
        case "fuse_threads" -> single = switch (value) {
          case "single" -> true;
          case "multi" -> false;
          default -> throw new IllegalArgumentException(opt + ": use fuse_threads=single or"
              + " fuse_threads=multi");
        };
        case "default_permissions" -> { } // always on: the kernel checks, ACLs included
        case "entry_timeout" -> entryTimeout = seconds(opt, value);
        case "attr_timeout" -> attrTimeout = seconds(opt, value);
        case "writeback_cache" -> writeback = true;
        case "no_writeback_cache" -> writeback = false;
        case "readdirplus" -> readdirplusAuto = switch (value) {
          case "always" -> false;
          case "auto" -> true;
          default -> throw new IllegalArgumentException(opt + ": use readdirplus=always or"
              + " readdirplus=auto");
        };
        default -> {
          if (MOUNT8_ONLY.contains(opt) || MOUNT8_PREFIXES.stream().anyMatch(opt::startsWith)) {
            continue;
          }
          if (opt.equals("ro")) {
            readOnly = true;
          } else if (opt.equals("rw")) {
            readOnly = false;
          }
          if (sloppy && !known(opt)) {
            continue;
          }
          fs.add(opt);
        }
      }
    }
    MountOptions filesystem = MountOptions.defaults().with(String.join(",", fs));
    FuseOptions fuse = new FuseOptions(device, readOnly, allowOther, autoUnmount, single, debug,
        maxWrite, readahead).withCaching(entryTimeout, attrTimeout, writeback)
        .withReaddirplusAuto(readdirplusAuto);
    return new MountOptionString(filesystem, fuse);
  }

  private static boolean known(String opt) {
    try {
      MountOptions.defaults().with(opt);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** FUSE's timeouts are seconds, fractions allowed ({@code attr_timeout=0.5}). */
  private static Duration seconds(String opt, String value) {
    try {
      double s = Double.parseDouble(value);
      if (s < 0 || s > 86_400 || Double.isNaN(s)) {
        throw new IllegalArgumentException(opt + ": give seconds from 0 to 86400");
      }
      return Duration.ofNanos(Math.round(s * 1e9));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + ": give a number of seconds, such as 1 or 0.5");
    }
  }

  private static int number(String opt, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + ": give a number of bytes");
    }
  }
}
