package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A directory entry, as GFS2's gfs2_dirent: records chained by their length
 * ({@link DirectoryRecords}), so that a deleted entry's space is merged into the one before it and
 * an area is always covered by the chain from its first byte to its last.
 *
 * <pre>
 *  0  u64 inode number (0: a free record)
 *  8  u32 hash: the name's CRC32C, made unique within the directory ({@link NameHash})
 * 12  u16 record length: bytes to the next record, a multiple of 8
 * 14  u8  name length, 1..255
 * 15  u8  file type, the DT_ code ({@link FileType#direntType()})
 * 16  name bytes (UTF-8), unterminated
 * </pre>
 *
 * @param hash the value stored in the hash field; the name's own hash for a new entry
 */
public record DirectoryEntry(String name, long inode, FileType type, int hash) {
  public static final int HEADER = 16;
  public static final int MAX_NAME = 255;

  public DirectoryEntry {
    int len = name.getBytes(StandardCharsets.UTF_8).length;
    if (len < 1 || len > MAX_NAME) {
      throw new IllegalArgumentException("name of " + len + " bytes: names are 1.."
          + MAX_NAME + " bytes");
    }
  }

  /** A new entry, carrying its name's hash. */
  public DirectoryEntry(String name, long inode, FileType type) {
    this(name, inode, type, NameHash.of(name));
  }

  /** The smallest record that holds this entry. */
  public int recordLength() {
    return DirectoryRecords.need(name.getBytes(StandardCharsets.UTF_8).length);
  }

  /** How many bytes the entries take as one linear chain (the last record then takes the rest). */
  public static int linearSize(List<DirectoryEntry> entries) {
    return entries.stream().mapToInt(DirectoryEntry::recordLength).sum();
  }

  /**
   * Writes {@code entries} as one linear chain covering {@code area} from index 0 to its capacity
   * (the last record's length reaches the end, an empty list is one free record), each with a
   * hash value unique among them.
   */
  public static void writeLinear(List<DirectoryEntry> entries, ByteBuffer area) {
    if (linearSize(entries) > area.capacity() || area.capacity() < HEADER) {
      throw new IllegalArgumentException(entries.size() + " entries do not fit in "
          + area.capacity() + " bytes");
    }
    Set<Integer> taken = new HashSet<>();
    List<DirectoryEntry> unique = new ArrayList<>();
    for (DirectoryEntry e : entries) {
      long free = NameHash.unique(NameHash.of(e.name), taken::contains);
      if (free == NameHash.NONE_FREE) {
        throw new IllegalArgumentException("no hash value left for '" + e.name + "'");
      }
      int v = (int) free;
      taken.add(v);
      unique.add(new DirectoryEntry(e.name, e.inode, e.type, v));
    }
    DirectoryRecords.writeCompact(area, unique);
  }

  /**
   * Reads the linear chain covering {@code area}, skipping free records; {@code block} names the
   * block holding it in messages.
   */
  public static List<DirectoryEntry> readLinear(ByteBuffer area, long block)
      throws CorruptMetadataException {
    DirectoryRecords.check(area, block);
    List<DirectoryEntry> entries = new ArrayList<>();
    for (int at = DirectoryRecords.nextLive(area, 0); at >= 0;
        at = DirectoryRecords.nextLive(area, DirectoryRecords.after(area, at))) {
      entries.add(DirectoryRecords.entry(area, at));
    }
    return entries;
  }
}
