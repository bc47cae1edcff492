package org.gfsj.fs.format;

/**
 * File types as the dinode's mode stores them (the S_IFMT bits, Linux values) and as directory
 * entries store them (the DT_ codes of readdir), so that both convert without tables elsewhere.
 */
public enum FileType {
  FIFO(0010000, 1),
  CHARACTER_DEVICE(0020000, 2),
  DIRECTORY(0040000, 4),
  BLOCK_DEVICE(0060000, 6),
  REGULAR(0100000, 8),
  SYMLINK(0120000, 10),
  SOCKET(0140000, 12);

  /** The mask of the type bits in a mode. */
  public static final int S_IFMT = 0170000;

  private final int modeBits;
  private final int direntType;

  FileType(int modeBits, int direntType) {
    this.modeBits = modeBits;
    this.direntType = direntType;
  }

  public int modeBits() {
    return modeBits;
  }

  public int direntType() {
    return direntType;
  }

  /** The type a mode encodes, or null if its type bits name none. */
  public static FileType ofMode(int mode) {
    for (FileType t : values()) {
      if (t.modeBits == (mode & S_IFMT)) {
        return t;
      }
    }
    return null;
  }

  /** The type a directory entry's type code names, or null if none. */
  public static FileType ofDirentType(int code) {
    for (FileType t : values()) {
      if (t.direntType == code) {
        return t;
      }
    }
    return null;
  }
}
