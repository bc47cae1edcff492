package org.gfsj.lockd.core;

/**
 * A lock resource: a type chosen by the user of lockd (gfs-fs uses GFS2's glock types) and a
 * number within it (an inode or resource-group address, a journal slot).
 */
public record ResourceName(int type, long number) implements Comparable<ResourceName> {

  /** Lock type of journal recovery claims, numbered as GFS2's LM_TYPE_JOURNAL. */
  public static final int JOURNAL_TYPE = 9;

  public static ResourceName journal(int slot) {
    return new ResourceName(JOURNAL_TYPE, slot);
  }

  @Override
  public int compareTo(ResourceName o) {
    int c = Integer.compare(type, o.type);
    return c != 0 ? c : Long.compare(number, o.number);
  }

  @Override
  public String toString() {
    return type + "/" + Long.toHexString(number);
  }
}
