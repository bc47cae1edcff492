package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The header that starts every metadata block, as gfs2_meta_header does in GFS2:
 *
 * <pre>
 *  0  u32 magic 0x4746534A ("GFSJ")
 *  4  u32 metadata type ({@link MetadataType})
 *  8  u64 the block's own address: a block written to the wrong place fails its check
 * 16  u32 CRC32C of the whole block, computed with this field zeroed
 * 20  u32 reserved, zero
 * </pre>
 *
 * <p>A "block buffer" throughout this package is a buffer whose index 0 is the block's first byte
 * and whose capacity is the block size; encoders and decoders use absolute offsets and leave the
 * buffer's position and limit alone.
 */
public final class MetadataHeader {
  public static final int MAGIC = 0x4746534A;
  public static final int SIZE = 24;
  private static final int TYPE = 4;
  private static final int ADDRESS = 8;
  private static final int CRC = 16;
  private static final byte[] ZERO_CRC = new byte[4];

  private MetadataHeader() {}

  /** Zeroes the block and writes the header fields, CRC still zero; {@link #seal} comes last. */
  public static void start(ByteBuffer block, MetadataType type, long address) {
    if (block.hasArray()) {
      Arrays.fill(block.array(), block.arrayOffset(), block.arrayOffset() + block.capacity(),
          (byte) 0);
    } else {
      block.put(0, new byte[block.capacity()]);
    }
    block.putInt(0, MAGIC).putInt(TYPE, type.code()).putLong(ADDRESS, address);
  }

  /**
   * Writes the header fields over a block without zeroing the rest: for a block rewritten in
   * place, whose other bytes the caller writes; CRC still to come ({@link #seal}).
   */
  public static void identify(ByteBuffer block, MetadataType type, long address) {
    block.putInt(0, MAGIC).putInt(TYPE, type.code()).putLong(ADDRESS, address).putInt(CRC, 0)
        .putInt(CRC + 4, 0);
  }

  /** Stores the CRC32C of the block: the last step of every encoder. */
  public static void seal(ByteBuffer block) {
    block.putInt(CRC, checksum(block));
  }

  /** Throws unless the block holds intact metadata of type {@code expected} at {@code address}. */
  public static void check(ByteBuffer block, MetadataType expected, long address)
      throws CorruptMetadataException {
    checkIdentity(block, expected, address);
    int crc = block.getInt(CRC);
    int computed = checksum(block);
    if (crc != computed) {
      throw new CorruptMetadataException(address, expected.label() + " has a bad CRC32C (stored 0x"
          + Integer.toHexString(crc) + ", computed 0x" + Integer.toHexString(computed) + ")");
    }
  }

  /**
   * {@link #check} without the CRC: for a block the cache checked when it came from the device
   * and that operations may have changed since (the transaction seals it when it commits).
   */
  public static void checkIdentity(ByteBuffer block, MetadataType expected, long address)
      throws CorruptMetadataException {
    int magic = block.getInt(0);
    if (magic != MAGIC) {
      throw new CorruptMetadataException(address, "expected a " + expected.label()
          + " but the block is not GFSJ metadata (magic 0x" + Integer.toHexString(magic) + ")");
    }
    MetadataType found = MetadataType.ofCode(block.getInt(TYPE));
    if (found != expected) {
      throw new CorruptMetadataException(address, "expected a " + expected.label() + " but found "
          + (found == null ? "unknown metadata type " + block.getInt(TYPE) : "a " + found.label()));
    }
    long stored = block.getLong(ADDRESS);
    if (stored != address) {
      throw new CorruptMetadataException(address, expected.label() + " carries the address "
          + stored + " (written to the wrong place?)");
    }
  }

  private static int checksum(ByteBuffer block) {
    CRC32C crc = new CRC32C();
    crc.update(block.duplicate().position(0).limit(CRC));
    crc.update(ZERO_CRC);
    crc.update(block.duplicate().limit(block.capacity()).position(CRC + 4));
    return (int) crc.getValue();
  }
}
