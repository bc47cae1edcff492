package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A directory entry, as GFS2's gfs2_dirent: records chained by their length, so that a deleted
 * entry's space is merged into the one before it and a stuffed directory's area is always covered
 * by the chain from its first byte to its last.
 *
 * <pre>
 *  0  u64 inode number (0: a free record)
 *  8  u32 hash: CRC32C of the name's bytes (for extendible hashing and readdir cookies)
 * 12  u16 record length: bytes to the next record, a multiple of 8
 * 14  u8  name length, 1..255
 * 15  u8  file type, the DT_ code ({@link FileType#direntType()})
 * 16  name bytes (UTF-8), unterminated
 * </pre>
 */
public record DirectoryEntry(String name, long inode, FileType type) {
  public static final int HEADER = 16;
  public static final int MAX_NAME = 255;

  public DirectoryEntry {
    int len = name.getBytes(StandardCharsets.UTF_8).length;
    if (len < 1 || len > MAX_NAME) {
      throw new IllegalArgumentException("name of " + len + " bytes: names are 1.."
          + MAX_NAME + " bytes");
    }
  }

  /** The hash stored with a name. */
  public static int hash(String name) {
    CRC32C crc = new CRC32C();
    crc.update(name.getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }

  /** The smallest record that holds this entry. */
  public int recordLength() {
    return align(HEADER + name.getBytes(StandardCharsets.UTF_8).length);
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }

  /** How many bytes the entries take as one linear chain (the last record then takes the rest). */
  public static int linearSize(List<DirectoryEntry> entries) {
    return entries.stream().mapToInt(DirectoryEntry::recordLength).sum();
  }

  /**
   * Writes {@code entries} as one linear chain covering {@code area} from index 0 to its capacity:
   * the last record's length reaches the end, and an empty list is one free record.
   */
  public static void writeLinear(List<DirectoryEntry> entries, ByteBuffer area) {
    int size = area.capacity();
    if (linearSize(entries) > size || size < HEADER) {
      throw new IllegalArgumentException(entries.size() + " entries do not fit in " + size
          + " bytes");
    }
    int at = 0;
    for (int i = 0; i < entries.size(); i++) {
      DirectoryEntry e = entries.get(i);
      int len = i == entries.size() - 1 ? size - at : e.recordLength();
      byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
      area.putLong(at, e.inode).putInt(at + 8, hash(e.name)).putShort(at + 12, (short) len)
          .put(at + 14, (byte) name.length).put(at + 15, (byte) e.type.direntType())
          .put(at + HEADER, name);
      at += len;
    }
    if (entries.isEmpty()) {
      area.putLong(0, 0).putInt(8, 0).putShort(12, (short) size).putShort(14, (short) 0);
    }
  }

  /**
   * Puts {@code entry} into the linear chain covering {@code area} without moving any record (so
   * that every readdir cookie stays valid): into a free record, or into the slack after a record
   * that is longer than its entry needs. Returns false when no record has room.
   */
  public boolean insertLinear(ByteBuffer area) {
    int need = recordLength();
    int at = 0;
    while (at < area.capacity()) {
      int len = Short.toUnsignedInt(area.getShort(at + 12));
      if (len < HEADER) {
        return false;
      }
      boolean free = area.getLong(at) == 0;
      int used = free ? 0 : align(HEADER + Byte.toUnsignedInt(area.get(at + 14)));
      if (len - used >= need) {
        if (!free) {
          area.putShort(at + 12, (short) used);
        }
        write(area, at + used, len - used);
        return true;
      }
      at += len;
    }
    return false;
  }

  private void write(ByteBuffer area, int at, int len) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    area.putLong(at, inode).putInt(at + 8, hash(name)).putShort(at + 12, (short) len)
        .put(at + 14, (byte) bytes.length).put(at + 15, (byte) type.direntType())
        .put(at + HEADER, bytes);
  }

  /**
   * Reads the linear chain covering {@code area}, skipping free records; {@code block} names the
   * block holding it in messages.
   */
  public static List<DirectoryEntry> readLinear(ByteBuffer area, long block)
      throws CorruptMetadataException {
    List<DirectoryEntry> entries = new ArrayList<>();
    int size = area.capacity();
    int at = 0;
    while (at < size) {
      int len = Short.toUnsignedInt(area.getShort(at + 12));
      int nameLen = Byte.toUnsignedInt(area.get(at + 14));
      if (len < HEADER || len % 8 != 0 || len > size - at) {
        throw new CorruptMetadataException(block, "directory record at byte " + at
            + " has an impossible length " + len);
      }
      long inode = area.getLong(at);
      if (inode != 0) {
        if (nameLen == 0 || HEADER + nameLen > len) {
          throw new CorruptMetadataException(block, "directory record at byte " + at
              + " has a name of " + nameLen + " bytes in a record of " + len);
        }
        byte[] name = new byte[nameLen];
        area.get(at + HEADER, name);
        String s = new String(name, StandardCharsets.UTF_8);
        FileType type = FileType.ofDirentType(area.get(at + 15));
        if (type == null) {
          throw new CorruptMetadataException(block, "directory entry '" + s + "' has unknown type "
              + area.get(at + 15));
        }
        if (area.getInt(at + 8) != hash(s)) {
          throw new CorruptMetadataException(block, "directory entry '" + s
              + "' carries the wrong hash");
        }
        entries.add(new DirectoryEntry(s, inode, type));
      }
      at += len;
    }
    return entries;
  }
}
