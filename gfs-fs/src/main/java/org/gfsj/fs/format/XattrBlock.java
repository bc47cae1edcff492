package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The block that holds all of an inode's extended attributes (type {@link MetadataType#XATTR}):
 *
 * <pre>
 * 24  u32 attribute count
 * 28  u32 reserved, zero
 * 32  records, each padded to 8 bytes: u16 name length, u16 reserved, u32 value length,
 *     the full name ("user.colour") in UTF-8, the value
 * </pre>
 */
public final class XattrBlock {
  private static final int COUNT = 24;
  private static final int RECORDS = 32;
  private static final int RECORD_HEADER = 8;

  private XattrBlock() {}

  /** The bytes {@code attrs} take in a block, header included. */
  public static int size(Map<String, byte[]> attrs) {
    int size = RECORDS;
    for (Map.Entry<String, byte[]> e : attrs.entrySet()) {
      size += record(e.getKey().getBytes(StandardCharsets.UTF_8).length, e.getValue().length);
    }
    return size;
  }

  private static int record(int nameLength, int valueLength) {
    return (RECORD_HEADER + nameLength + valueLength + 7) & ~7;
  }

  /** Every attribute in the block at {@code address}, by name; checks the header first. */
  public static TreeMap<String, byte[]> decode(ByteBuffer b, long address)
      throws CorruptMetadataException {
    MetadataHeader.check(b, MetadataType.XATTR, address);
    TreeMap<String, byte[]> out = new TreeMap<>();
    int count = b.getInt(COUNT);
    int at = RECORDS;
    for (int i = 0; i < count; i++) {
      if (at + RECORD_HEADER > b.capacity()) {
        throw new CorruptMetadataException(address, "extended-attribute record " + i
            + " runs past the block");
      }
      int nameLen = Short.toUnsignedInt(b.getShort(at));
      int valueLen = b.getInt(at + 4);
      if (valueLen < 0 || at + (long) RECORD_HEADER + nameLen + valueLen > b.capacity()) {
        throw new CorruptMetadataException(address, "extended-attribute record " + i
            + " runs past the block");
      }
      byte[] name = new byte[nameLen];
      b.get(at + RECORD_HEADER, name);
      byte[] value = new byte[valueLen];
      b.get(at + RECORD_HEADER + nameLen, value);
      out.put(new String(name, StandardCharsets.UTF_8), value);
      at += record(nameLen, valueLen);
    }
    return out;
  }

  /** Writes {@code attrs} as the whole block at {@code address}, sealed; they must fit. */
  public static void encode(ByteBuffer b, long address, Map<String, byte[]> attrs) {
    if (size(attrs) > b.capacity()) {
      throw new IllegalArgumentException("attributes of " + size(attrs) + " bytes do not fit a "
          + b.capacity() + "-byte block");
    }
    MetadataHeader.start(b, MetadataType.XATTR, address);
    b.putInt(COUNT, attrs.size());
    int at = RECORDS;
    for (Map.Entry<String, byte[]> e : attrs.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      b.putShort(at, (short) name.length).putInt(at + 4, e.getValue().length);
      b.put(at + RECORD_HEADER, name).put(at + RECORD_HEADER + name.length, e.getValue());
      at += record(name.length, e.getValue().length);
    }
    MetadataHeader.seal(b);
  }
}
