package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A chain of directory records covering an area from its first byte to its last: a stuffed
 * directory's data area, or the records of a {@link DirectoryLeaf}. Each record's length leads to
 * the next; a record's bytes beyond its entry are slack that a new entry may take; a record with
 * inode 0 is free. The record layout is {@link DirectoryEntry}'s. Offsets are relative to the
 * area, whose buffer starts at index 0.
 */
public final class DirectoryRecords {
  private static final int INO = 0;
  private static final int HASH = 8;
  private static final int LENGTH = 12;
  private static final int NAME_LENGTH = 14;
  private static final int TYPE = 15;

  private DirectoryRecords() {}

  /** The bytes a record for a name of {@code nameBytes} bytes needs. */
  public static int need(int nameBytes) {
    return (DirectoryEntry.HEADER + nameBytes + 7) & ~7;
  }

  /** Makes the area one free record. */
  public static void clear(ByteBuffer area) {
    area.putLong(INO, 0).putInt(HASH, 0).putShort(LENGTH, (short) area.capacity())
        .putShort(NAME_LENGTH, (short) 0);
  }

  public static int length(ByteBuffer area, int at) {
    return Short.toUnsignedInt(area.getShort(at + LENGTH));
  }

  public static long inode(ByteBuffer area, int at) {
    return area.getLong(at + INO);
  }

  public static int hash(ByteBuffer area, int at) {
    return area.getInt(at + HASH);
  }

  public static FileType type(ByteBuffer area, int at) {
    return FileType.ofDirentType(area.get(at + TYPE));
  }

  public static int nameLength(ByteBuffer area, int at) {
    return Byte.toUnsignedInt(area.get(at + NAME_LENGTH));
  }

  public static byte[] nameBytes(ByteBuffer area, int at) {
    byte[] b = new byte[Byte.toUnsignedInt(area.get(at + NAME_LENGTH))];
    area.get(at + DirectoryEntry.HEADER, b);
    return b;
  }

  public static String name(ByteBuffer area, int at) {
    return new String(nameBytes(area, at), StandardCharsets.UTF_8);
  }

  /** The first record at or after {@code at} that holds an entry, or -1. */
  public static int nextLive(ByteBuffer area, int at) {
    while (at < area.capacity()) {
      if (inode(area, at) != 0) {
        return at;
      }
      at += length(area, at);
    }
    return -1;
  }

  /** The record after the one at {@code at}. */
  public static int after(ByteBuffer area, int at) {
    return at + length(area, at);
  }

  /** Bytes the entry of the record at {@code at} takes, 0 for a free record. */
  public static int used(ByteBuffer area, int at) {
    return inode(area, at) == 0 ? 0 : need(Byte.toUnsignedInt(area.get(at + NAME_LENGTH)));
  }

  /** The record holding {@code name}, or -1. */
  public static int find(ByteBuffer area, byte[] name) {
    for (int at = nextLive(area, 0); at >= 0; at = nextLive(area, after(area, at))) {
      if (Byte.toUnsignedInt(area.get(at + NAME_LENGTH)) == name.length
          && nameIs(area, at, name)) {
        return at;
      }
    }
    return -1;
  }

  static boolean nameIs(ByteBuffer area, int at, byte[] name) {
    for (int i = 0; i < name.length; i++) {
      if (area.get(at + DirectoryEntry.HEADER + i) != name[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether some record stores hash value {@code value}. */
  public static boolean holdsValue(ByteBuffer area, int value) {
    for (int at = nextLive(area, 0); at >= 0; at = nextLive(area, after(area, at))) {
      if (hash(area, at) == value) {
        return true;
      }
    }
    return false;
  }

  /** A record whose slack holds {@code need} bytes, or -1. */
  public static int room(ByteBuffer area, int need) {
    for (int at = 0; at < area.capacity(); at = after(area, at)) {
      if (length(area, at) - used(area, at) >= need) {
        return at;
      }
    }
    return -1;
  }

  /** The sum of the bytes the entries take: what the area holds written compactly. */
  public static int liveBytes(ByteBuffer area) {
    int n = 0;
    for (int at = 0; at < area.capacity(); at = after(area, at)) {
      n += used(area, at);
    }
    return n;
  }

  /**
   * Puts an entry into the slack of the record at {@code at} (from {@link #room}); returns the
   * new record's offset.
   */
  public static int insert(ByteBuffer area, int at, long ino, int hash, byte[] name,
      FileType type) {
    int len = length(area, at);
    int used = used(area, at);
    int pos = at;
    int recLen = len;
    if (used > 0) {
      area.putShort(at + LENGTH, (short) used);
      pos = at + used;
      recLen = len - used;
    }
    write(area, pos, ino, hash, recLen, name, type);
    return pos;
  }

  private static void write(ByteBuffer area, int pos, long ino, int hash, int recLen, byte[] name,
      FileType type) {
    area.putLong(pos + INO, ino).putInt(pos + HASH, hash).putShort(pos + LENGTH, (short) recLen)
        .put(pos + NAME_LENGTH, (byte) name.length).put(pos + TYPE, (byte) type.direntType())
        .put(pos + DirectoryEntry.HEADER, name);
  }

  /** Removes the entry at {@code at}: its space joins the record before, or it becomes free. */
  public static void remove(ByteBuffer area, int at) {
    int prev = at == 0 ? -1 : 0;
    while (prev >= 0 && after(area, prev) != at) {
      prev = after(area, prev);
    }
    remove(area, at, prev);
  }

  /** {@link #remove(ByteBuffer, int)} when the record before, {@code before}, is known (-1: none). */
  public static void remove(ByteBuffer area, int at, int before) {
    if (at == 0) {
      area.putLong(INO, 0).putInt(HASH, 0).put(NAME_LENGTH, (byte) 0).put(TYPE, (byte) 0);
      return;
    }
    if (before < 0 || after(area, before) != at) {
      throw new IllegalArgumentException("record " + before + " is not the one before " + at);
    }
    area.putShort(before + LENGTH, (short) (length(area, before) + length(area, at)));
  }

  /** Points the entry at {@code at} at another inode. */
  public static void retarget(ByteBuffer area, int at, long ino, FileType type) {
    area.putLong(at + INO, ino).put(at + TYPE, (byte) type.direntType());
  }

  /**
   * Rewrites the area to hold exactly {@code entries}, compactly, the last record reaching the
   * end; their stored hash values are kept.
   */
  public static void writeCompact(ByteBuffer area, List<DirectoryEntry> entries) {
    int total = entries.stream().mapToInt(DirectoryEntry::recordLength).sum();
    if (total > area.capacity()) {
      throw new IllegalArgumentException(entries.size() + " entries need " + total
          + " bytes, more than the " + area.capacity() + " of the area");
    }
    for (int i = 0; i < area.capacity(); i += 8) {
      area.putLong(i, 0);
    }
    if (entries.isEmpty()) {
      clear(area);
      return;
    }
    int at = 0;
    for (int i = 0; i < entries.size(); i++) {
      DirectoryEntry e = entries.get(i);
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      int len = i == entries.size() - 1 ? area.capacity() - at : e.recordLength();
      write(area, at, e.inode(), e.hash(), len, name, e.type());
      at += len;
    }
  }

  /**
   * Moves the entries whose stored value {@code moves} accepts from {@code area} to {@code other}
   * and leaves both as {@link #writeCompact} of their entries leaves them, copying records
   * without decoding their names (a leaf split). Returns how many moved.
   */
  public static int split(ByteBuffer area, ByteBuffer other, IntPredicate moves) {
    byte[] old = new byte[area.capacity()];
    area.get(0, old);
    ByteBuffer src = ByteBuffer.wrap(old);
    zero(area);
    zero(other);
    int[] ends = {0, 0};
    int[] lasts = {-1, -1};
    int moved = 0;
    for (int at = nextLive(src, 0); at >= 0; at = nextLive(src, after(src, at))) {
      int side = moves.test(hash(src, at)) ? 1 : 0;
      ByteBuffer to = side == 1 ? other : area;
      int pos = ends[side];
      int used = used(src, at);
      to.put(pos, src, at, DirectoryEntry.HEADER + nameLength(src, at));
      to.putShort(pos + LENGTH, (short) used);
      lasts[side] = pos;
      ends[side] = pos + used;
      moved += side;
    }
    close(area, lasts[0]);
    close(other, lasts[1]);
    return moved;
  }

  private static void zero(ByteBuffer area) {
    for (int i = 0; i < area.capacity(); i += 8) {
      area.putLong(i, 0);
    }
  }

  /** Makes the record at {@code last} reach the end of the area, or the area one free record. */
  private static void close(ByteBuffer area, int last) {
    if (last < 0) {
      clear(area);
    } else {
      area.putShort(last + LENGTH, (short) (area.capacity() - last));
    }
  }

  /** The entry of the record at {@code at}, with its stored hash value. */
  public static DirectoryEntry entry(ByteBuffer area, int at) {
    return new DirectoryEntry(name(area, at), inode(area, at), type(area, at), hash(area, at));
  }

  /** Walks the chain, so that no later walk can run off the area; checks each live record. */
  public static void check(ByteBuffer area, long block) throws CorruptMetadataException {
    int at = 0;
    while (at < area.capacity()) {
      int len = length(area, at);
      if (len < DirectoryEntry.HEADER || len % 8 != 0 || len > area.capacity() - at) {
        throw new CorruptMetadataException(block, "directory record at byte " + at
            + " has an impossible length " + len);
      }
      int nameLen = Byte.toUnsignedInt(area.get(at + NAME_LENGTH));
      if (inode(area, at) != 0) {
        if (nameLen == 0 || DirectoryEntry.HEADER + nameLen > len) {
          throw new CorruptMetadataException(block, "directory record at byte " + at
              + " has a name of " + nameLen + " bytes in a record of " + len);
        }
        if (type(area, at) == null) {
          throw new CorruptMetadataException(block, "directory entry '" + name(area, at)
              + "' has unknown type " + area.get(at + TYPE));
        }
        if (!NameHash.fits(hash(area, at), NameHash.of(nameBytes(area, at)))) {
          throw new CorruptMetadataException(block, "directory entry '" + name(area, at)
              + "' carries the wrong hash");
        }
      }
      at += len;
    }
  }
}
