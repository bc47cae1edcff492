package org.gfsj.fs.vfs;

/** The open(2) flags the filesystem acts on (Linux values). */
public final class OpenFlags {
  public static final int O_ACCMODE = 03;
  public static final int O_RDONLY = 00;
  public static final int O_WRONLY = 01;
  public static final int O_RDWR = 02;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_DIRECT = 040000;
  public static final int O_NOATIME = 01000000;

  private OpenFlags() {}
}
