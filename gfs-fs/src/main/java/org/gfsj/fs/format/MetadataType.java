package org.gfsj.fs.format;

/** The type field of the common metadata header: what a metadata block holds. */
public enum MetadataType {
  SUPERBLOCK(1),
  RESOURCE_GROUP(2),
  BITMAP(3),
  DINODE(4),
  /** A leaf of a hashed directory: the entries whose hashes share its prefix. */
  DIRECTORY_LEAF(5),
  /** A block of a file's extents beyond what the dinode holds (height 2). */
  EXTENT_BLOCK(6),
  /** A file's extended attributes. */
  XATTR(7),
  /** A block of a hashed directory's table of leaf pointers. */
  DIRECTORY_HASH_TABLE(8);

  private final int code;

  MetadataType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type with this code, or null for a code no version of the format has used. */
  static MetadataType ofCode(int code) {
    for (MetadataType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }

  /** "resource group header": how messages name it. */
  public String label() {
    return switch (this) {
      case SUPERBLOCK -> "superblock";
      case RESOURCE_GROUP -> "resource group header";
      case BITMAP -> "bitmap block";
      case DINODE -> "dinode";
      case DIRECTORY_LEAF -> "directory leaf";
      case EXTENT_BLOCK -> "extent block";
      case XATTR -> "extended-attribute block";
      case DIRECTORY_HASH_TABLE -> "directory hash-table block";
    };
  }
}
