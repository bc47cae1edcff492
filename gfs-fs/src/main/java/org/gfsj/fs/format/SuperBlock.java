package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The superblock: what a mount needs before anything else. It lives 64 KiB into the device (block
 * 16 with 4 KiB blocks), as GFS2's does, leaving the first 64 KiB to partition tables and boot
 * loaders.
 *
 * <pre>
 *   0  metadata header, type SUPERBLOCK
 *  24  u32 format version ({@link #FORMAT_VERSION})
 *  28  u32 block size in bytes
 *  32  u64 filesystem size in blocks (resource groups end there; the device may be longer)
 *  40  u64 root directory dinode
 *  48  u64 system ("master") directory dinode
 *  56  u64 resource group size in blocks (the last group may be shorter)
 *  64  16 bytes UUID
 *  80  64 bytes lock protocol name, NUL-padded ("nolock" or "lockd")
 * 144  64 bytes lock table name "cluster:fsname", NUL-padded
 * </pre>
 */
public record SuperBlock(
    int formatVersion,
    int blockSize,
    long blockCount,
    long rootDinode,
    long masterDinode,
    long resourceGroupBlocks,
    UUID uuid,
    LockProtocol lockProtocol,
    String lockTable) {

  /**
   * 2: directories past their dinode are hashed (extendible hashing); version 1's linear leaf
   * blocks are not read.
   */
  public static final int FORMAT_VERSION = 2;
  /** Where the superblock starts, in bytes, whatever the block size. */
  public static final long BYTE_OFFSET = 64 * 1024;
  public static final int MIN_BLOCK_SIZE = 1024;
  public static final int MAX_BLOCK_SIZE = 64 * 1024;
  /** The longest lock table name, in bytes; the field keeps a NUL after it. */
  public static final int MAX_LOCK_TABLE = 63;
  private static final int NAME_FIELD = 64;
  private static final int BLOCK_SIZE = 28;

  /** The block address of the superblock for a block size. */
  public static long address(int blockSize) {
    return BYTE_OFFSET / blockSize;
  }

  public void encode(ByteBuffer block) {
    long address = address(blockSize);
    MetadataHeader.start(block, MetadataType.SUPERBLOCK, address);
    block.putInt(24, formatVersion).putInt(BLOCK_SIZE, blockSize).putLong(32, blockCount)
        .putLong(40, rootDinode).putLong(48, masterDinode).putLong(56, resourceGroupBlocks)
        .putLong(64, uuid.getMostSignificantBits()).putLong(72, uuid.getLeastSignificantBits());
    putName(block, 80, lockProtocol.diskName());
    putName(block, 144, lockTable);
    MetadataHeader.seal(block);
  }

  /**
   * The block size a superblock claims, read before its CRC can be checked (the CRC covers one
   * block of that size). {@code bytes} starts at {@link #BYTE_OFFSET}.
   */
  public static int peekBlockSize(ByteBuffer bytes) throws CorruptMetadataException {
    if (bytes.getInt(0) != MetadataHeader.MAGIC) {
      throw new CorruptMetadataException(BYTE_OFFSET / bytes.capacity(), "no GFSJ superblock at"
          + " 64 KiB (magic 0x" + Integer.toHexString(bytes.getInt(0)) + "): not a GFSJ filesystem,"
          + " or its superblock is damaged");
    }
    int size = bytes.getInt(BLOCK_SIZE);
    if (!validBlockSize(size)) {
      throw new CorruptMetadataException(BYTE_OFFSET / bytes.capacity(),
          "superblock claims an impossible block size " + size);
    }
    return size;
  }

  public static boolean validBlockSize(int size) {
    return size >= MIN_BLOCK_SIZE && size <= MAX_BLOCK_SIZE && Integer.bitCount(size) == 1;
  }

  /** Decodes and checks the superblock held in {@code block}, one block of its own size. */
  public static SuperBlock decode(ByteBuffer block) throws CorruptMetadataException {
    int blockSize = peekBlockSize(block);
    long address = address(blockSize);
    if (block.capacity() != blockSize) {
      throw new IllegalArgumentException("superblock buffer of " + block.capacity()
          + " bytes for a block size of " + blockSize);
    }
    MetadataHeader.check(block, MetadataType.SUPERBLOCK, address);
    int version = block.getInt(24);
    if (version != FORMAT_VERSION) {
      throw new CorruptMetadataException(address, "format version " + version + " is not "
          + FORMAT_VERSION + ", the one this GFSJ reads (made by another release: version 1"
          + " kept large directories as linear leaves; copy the files off with that release"
          + " and make the filesystem again with mkfs.gfsj)");
    }
    String protocolName = getName(block, 80);
    LockProtocol protocol = LockProtocol.named(protocolName);
    if (protocol == null) {
      throw new CorruptMetadataException(address, "unknown lock protocol '" + protocolName + "'");
    }
    SuperBlock sb = new SuperBlock(version, blockSize, block.getLong(32), block.getLong(40),
        block.getLong(48), block.getLong(56), new UUID(block.getLong(64), block.getLong(72)),
        protocol, getName(block, 144));
    for (long a : new long[] {sb.rootDinode, sb.masterDinode}) {
      if (a <= address || a >= sb.blockCount) {
        throw new CorruptMetadataException(address, "superblock points at dinode " + a
            + " outside the filesystem (" + sb.blockCount + " blocks)");
      }
    }
    return sb;
  }

  private static void putName(ByteBuffer block, int offset, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= NAME_FIELD) {
      throw new IllegalArgumentException("'" + name + "' is longer than " + (NAME_FIELD - 1)
          + " bytes");
    }
    block.put(offset, bytes);
  }

  private static String getName(ByteBuffer block, int offset) {
    int len = 0;
    while (len < NAME_FIELD && block.get(offset + len) != 0) {
      len++;
    }
    byte[] bytes = new byte[len];
    block.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
