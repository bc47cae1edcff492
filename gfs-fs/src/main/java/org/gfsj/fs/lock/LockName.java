package org.gfsj.fs.lock;

/**
 * A cluster lock resource, named as GFS2 names glocks: a type and a number (an inode's or a
 * resource group's block address, a journal slot...).
 */
public record LockName(Type type, long number) {
  /** The lock types; the codes are what lockd sees. */
  public enum Type {
    /** The node-wide lock serialising renames of directories (GFS2's rename glock). */
    RENAME(1),
    INODE(2),
    RESOURCE_GROUP(3),
    JOURNAL(4);

    private final int code;

    Type(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  @Override
  public String toString() {
    return type.name().toLowerCase() + ":" + number;
  }
}
