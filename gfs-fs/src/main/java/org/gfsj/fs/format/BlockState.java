package org.gfsj.fs.format;

/** The 2-bit state of a data block in a resource group's bitmap; the codes are GFS2's. */
public enum BlockState {
  FREE(0),
  /** File data or metadata other than a dinode (indirect, extent, directory leaf, journal). */
  USED(1),
  /** A dinode with no links left, still open somewhere: freed by its last closer or by fsck. */
  UNLINKED(2),
  DINODE(3);

  private static final BlockState[] BY_CODE = {FREE, USED, UNLINKED, DINODE};
  private final int code;

  BlockState(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static BlockState ofCode(int code) {
    return BY_CODE[code & 3];
  }
}
