package org.gfsj.fs.fuse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How libfuse mounts and serves: the command line handed to {@code fuse_main}.
 *
 * <p>Always on: {@code use_ino} (stat shows GFSJ's inode numbers, which NFS and other nodes see
 * too), {@code hard_remove} (an unlinked open file stays an inode of ours, readable through its
 * handle, instead of libfuse renaming it to .fuse_hidden), {@code big_writes} with
 * {@code max_write} (libfuse2 caps a write request at 128 KiB), {@code subtype=gfsj} and
 * {@code fsname=DEVICE} so that /proc/mounts reads {@code DEVICE DIR fuse.gfsj}.
 * {@code attr_timeout=0}: libfuse2's high-level API gives each name of a hard-linked file its own
 * kernel inode, so attributes cached under one name (nlink, size, mtime) would stay stale after a
 * change through another; and a cluster node must see another node's changes at once, which
 * libfuse2 offers no call to invalidate. Names stay cached ({@code entry_timeout} as libfuse
 * sets it): the kernel drops them itself on local renames and unlinks.
 * {@code default_permissions} is never passed: the kernel would check mode bits only, while
 * {@link org.gfsj.fs.vfs.Vfs} checks each caller's uid, groups and the inode's POSIX ACL itself.
 *
 * @param device what the mount serves, shown as the fsname
 * @param readOnly mount read-only
 * @param allowOther serve every user of the machine, not only the one who mounted
 * @param autoUnmount let fusermount unmount the directory when the serving process dies
 * @param singleThreaded serve requests on one thread (libfuse's -s)
 * @param debug libfuse's -d: print every request
 * @param maxWrite the largest write request, in bytes
 * @param readaheadKb the kernel's readahead for this mount in KiB (the mount's bdi
 *     read_ahead_kb), 0 to leave the kernel's 128; FUSE offers no option that raises it
 */
public record FuseOptions(
    String device,
    boolean readOnly,
    boolean allowOther,
    boolean autoUnmount,
    boolean singleThreaded,
    boolean debug,
    int maxWrite,
    int readaheadKb) {

  /** Readahead unless the options say otherwise: eight 128 KiB reads in flight. */
  public static final int DEFAULT_READAHEAD_KB = 1024;

  /** libfuse2's ceiling for one write request. */
  public static final int MAX_WRITE = 128 * 1024;

  public FuseOptions {
    if (maxWrite < 4096 || maxWrite > MAX_WRITE) {
      throw new IllegalArgumentException("max_write=" + maxWrite + " is outside 4096.."
          + MAX_WRITE + " (libfuse2 caps a write request at 128 KiB)");
    }
    if (readaheadKb < 0 || readaheadKb > 65536) {
      throw new IllegalArgumentException("readahead=" + readaheadKb + " is outside 0..65536 KiB");
    }
  }

  /** The arguments of fuse_main after the program name: foreground, options, mount point. */
  List<String> arguments(Path mountPoint) {
    List<String> args = new ArrayList<>();
    // libfuse must not fork: the JVM's threads would not survive it
    args.add("-f");
    if (singleThreaded) {
      args.add("-s");
    }
    if (debug) {
      args.add("-d");
    }
    List<String> o = new ArrayList<>();
    o.add("fsname=" + escape(device));
    o.add("subtype=gfsj");
    o.add("use_ino");
    o.add("hard_remove");
    o.add("attr_timeout=0");
    o.add("big_writes");
    o.add("max_write=" + maxWrite);
    if (readOnly) {
      o.add("ro");
    }
    if (allowOther) {
      o.add("allow_other");
    }
    if (autoUnmount) {
      o.add("auto_unmount");
    }
    args.add("-o");
    args.add(String.join(",", o));
    args.add(mountPoint.toAbsolutePath().toString());
    return args;
  }

  /** libfuse's option parser splits at commas and takes a backslash as an escape. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,");
  }
}
