package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * One walk of a chain of {@link DirectoryRecords} for one name that answers everything a lookup,
 * a create and an unlink ask of it: the record holding the name and the record before it, the
 * first record whose slack holds a new record for the name, and whether some record stores the
 * name's own hash (then a new entry needs another value, {@link NameHash#unique}). A directory
 * operation used to walk a leaf once for each of these questions.
 *
 * <p>Names are compared only where the stored value carries the name's hash prefix ({@link
 * NameHash#fits}) and the lengths agree, so a walk reads the 16-byte header of most records and
 * no name bytes. The area must have been checked ({@link DirectoryRecords#check}).
 */
public final class RecordSearch {
  private final byte[] name;
  private final int hash;
  private final int need;
  private int found = -1;
  private int before = -1;
  private int room = -1;
  private boolean hashStored;

  public RecordSearch(byte[] name, int hash) {
    this.name = name;
    this.hash = hash;
    this.need = DirectoryRecords.need(name.length);
  }

  /**
   * Walks {@code area}: returns true and stops at the record holding the name; otherwise notes
   * where a new record fits in this area ({@link #room}). {@link #hashStored} accumulates over
   * the areas walked, so that a walk of a whole leaf chain answers it for the chain.
   */
  public boolean walk(ByteBuffer area) {
    found = -1;
    before = -1;
    room = -1;
    int prev = -1;
    int capacity = area.capacity();
    for (int at = 0; at < capacity; ) {
      int length = DirectoryRecords.length(area, at);
      int used = 0;
      if (DirectoryRecords.inode(area, at) != 0) {
        int stored = DirectoryRecords.hash(area, at);
        int nameLength = DirectoryRecords.nameLength(area, at);
        if (stored == hash) {
          hashStored = true;
        }
        if (nameLength == name.length && NameHash.fits(stored, hash)
            && DirectoryRecords.nameIs(area, at, name)) {
          found = at;
          before = prev;
          return true;
        }
        used = DirectoryRecords.need(nameLength);
      }
      if (room < 0 && length - used >= need) {
        room = at;
      }
      prev = at;
      at += length;
    }
    return false;
  }

  public int hash() {
    return hash;
  }

  public byte[] name() {
    return name;
  }

  /** The record holding the name in the last area walked, or -1. */
  public int found() {
    return found;
  }

  /** The record before {@link #found}, -1 when it is the first ({@link DirectoryRecords#remove}). */
  public int before() {
    return before;
  }

  /** A record of the last area walked whose slack holds the new record, or -1. */
  public int room() {
    return room;
  }

  /** Whether a record of the areas walked stores the name's hash as its value. */
  public boolean hashStored() {
    return hashStored;
  }
}
