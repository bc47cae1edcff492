package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The 32-byte records of the system files (journal index, resource-group index, statfs files).
 * Each carries its own CRC32C in its last four bytes, so that the records are checked wherever
 * they live: stuffed in a dinode or in plain data blocks, which carry no header of their own.
 */
final class IndexRecord {
  static final int SIZE = 32;
  private static final int CRC = 28;

  private IndexRecord() {}

  static void seal(ByteBuffer buf, int offset) {
    buf.putInt(offset + CRC, checksum(buf, offset));
  }

  static void check(ByteBuffer buf, int offset, long block, String what)
      throws CorruptMetadataException {
    int stored = buf.getInt(offset + CRC);
    int computed = checksum(buf, offset);
    if (stored != computed) {
      throw new CorruptMetadataException(block, what + " at byte " + offset
          + " has a bad CRC32C (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
          + Integer.toHexString(computed) + ")");
    }
  }

  private static int checksum(ByteBuffer buf, int offset) {
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().limit(offset + CRC).position(offset));
    return (int) crc.getValue();
  }
}
