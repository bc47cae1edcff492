package org.gfsj.fs.vfs;

/**
 * The changes of one setattr call; a null field is left as it is. Times use the two markers of
 * utimensat(2): {@link #NOW} sets the current time.
 */
public record SetAttributes(
    Integer mode, Integer uid, Integer gid, Long size, Long atimeNanos, Long mtimeNanos) {

  /** utimensat's UTIME_NOW: the time of the call. */
  public static final long NOW = Long.MIN_VALUE;

  public static SetAttributes mode(int mode) {
    return new SetAttributes(mode, null, null, null, null, null);
  }

  public static SetAttributes owner(Integer uid, Integer gid) {
    return new SetAttributes(null, uid, gid, null, null, null);
  }

  public static SetAttributes size(long size) {
    return new SetAttributes(null, null, null, size, null, null);
  }

  public static SetAttributes times(Long atimeNanos, Long mtimeNanos) {
    return new SetAttributes(null, null, null, null, atimeNanos, mtimeNanos);
  }
}
