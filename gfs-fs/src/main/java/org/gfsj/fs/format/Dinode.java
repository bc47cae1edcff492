package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * An inode on disk, one per block; its inode number is its block address.
 *
 * <pre>
 *   0  metadata header, type DINODE
 *  24  u32 mode (type and permission bits, as stat(2))
 *  28  u32 uid
 *  32  u32 gid
 *  36  u32 link count
 *  40  u64 size in bytes
 *  48  u64 blocks in use, this dinode included
 *  56  u64 atime seconds      64  u64 mtime seconds      72  u64 ctime seconds
 *  80  u32 atime nanoseconds  84  u32 mtime nanoseconds  88  u32 ctime nanoseconds
 *  92  u32 flags ({@link #FLAG_SYSTEM}, {@link #FLAG_HASHED})
 *  96  u64 generation: changes each time the block becomes a dinode again (NFS handles)
 * 104  u32 device major      108  u32 device minor   (character and block devices)
 * 112  u16 height: 0 = the data area holds the contents ("stuffed");
 *          1 = the data area holds the block map as {@link Extent}s;
 *          2 = the data area holds index extents, each naming an extent block
 * 114  u16 extents in the data area (heights 1 and 2)
 * 116  u32 directory entries, "." and ".." included
 * 120  u64 extended-attribute block, 0 if none
 * 128  u64 allocation goal: where the next block for this file is looked for first
 * 136  reserved, zero, up to
 * 192  the data area, to the end of the block
 * </pre>
 */
public record Dinode(
    long address,
    int mode,
    int uid,
    int gid,
    int nlink,
    long size,
    long blocks,
    Timestamp atime,
    Timestamp mtime,
    Timestamp ctime,
    int flags,
    long generation,
    int major,
    int minor,
    int height,
    int extents,
    int entries,
    long xattrBlock,
    long goal) {

  /** A file of the hidden system tree (the master directory and what it holds). */
  public static final int FLAG_SYSTEM = 1;
  /**
   * A hashed directory: its data area or file holds a {@link HashTableBlock hash table} of leaf
   * pointers, not records, and its size is the table's bytes.
   */
  public static final int FLAG_HASHED = 2;
  public static final int DATA_OFFSET = 192;
  private static final int RESERVED = 136;
  /** The heights this version of the format defines. */
  public static final int MAX_HEIGHT = 2;

  /** Bytes in the data area of a dinode. */
  public static int dataAreaSize(int blockSize) {
    return blockSize - DATA_OFFSET;
  }

  /** Extents the data area holds at height 1. */
  public static int maxExtents(int blockSize) {
    return dataAreaSize(blockSize) / Extent.SIZE;
  }

  public FileType type() {
    return FileType.ofMode(mode);
  }

  public boolean isHashedDirectory() {
    return (flags & FLAG_HASHED) != 0;
  }

  /**
   * Encodes the dinode with {@code data} (the stuffed contents, or the extents) at the start of the
   * data area; the rest of the area is zero.
   */
  public void encode(ByteBuffer block, ByteBuffer data) {
    MetadataHeader.start(block, MetadataType.DINODE, address);
    update(block, data);
    MetadataHeader.seal(block);
  }

  /**
   * Writes the dinode over the dinode block it was read from or encoded into before, as {@link
   * #encode} does but without zeroing the whole block first or sealing it: a mount changes a
   * dinode many times between two commits, and the commit seals every block it logs.
   */
  public void update(ByteBuffer block, ByteBuffer data) {
    int area = dataAreaSize(block.capacity());
    if (data.remaining() > area) {
      throw new IllegalArgumentException(data.remaining() + " bytes do not fit in the data area of"
          + " a " + block.capacity() + "-byte dinode");
    }
    MetadataHeader.identify(block, MetadataType.DINODE, address);
    block.putInt(24, mode).putInt(28, uid).putInt(32, gid).putInt(36, nlink).putLong(40, size)
        .putLong(48, blocks).putLong(56, atime.seconds()).putLong(64, mtime.seconds())
        .putLong(72, ctime.seconds()).putInt(80, atime.nanos()).putInt(84, mtime.nanos())
        .putInt(88, ctime.nanos()).putInt(92, flags).putLong(96, generation).putInt(104, major)
        .putInt(108, minor).putShort(112, (short) height).putShort(114, (short) extents)
        .putInt(116, entries).putLong(120, xattrBlock).putLong(128, goal);
    for (int i = RESERVED; i < DATA_OFFSET; i += 8) {
      block.putLong(i, 0);
    }
    block.put(DATA_OFFSET, data, data.position(), data.remaining());
    int end = DATA_OFFSET + data.remaining();
    if (end < block.capacity()) {
      zero(block, end, block.capacity());
    }
  }

  private static void zero(ByteBuffer block, int from, int to) {
    if (block.hasArray()) {
      java.util.Arrays.fill(block.array(), block.arrayOffset() + from, block.arrayOffset() + to,
          (byte) 0);
    } else {
      block.put(from, new byte[to - from]);
    }
  }

  public static Dinode decode(ByteBuffer block, long address) throws CorruptMetadataException {
    MetadataHeader.check(block, MetadataType.DINODE, address);
    return fields(block, address);
  }

  /**
   * {@link #decode} of a cached block, which the cache checked when it read it: everything but
   * the CRC, which is stale until the transaction that changed the block seals it.
   */
  public static Dinode decodeCached(ByteBuffer block, long address)
      throws CorruptMetadataException {
    MetadataHeader.checkIdentity(block, MetadataType.DINODE, address);
    return fields(block, address);
  }

  private static Dinode fields(ByteBuffer block, long address) throws CorruptMetadataException {
    Dinode d;
    try {
      d = new Dinode(address, block.getInt(24), block.getInt(28), block.getInt(32),
          block.getInt(36), block.getLong(40), block.getLong(48),
          new Timestamp(block.getLong(56), block.getInt(80)),
          new Timestamp(block.getLong(64), block.getInt(84)),
          new Timestamp(block.getLong(72), block.getInt(88)), block.getInt(92),
          block.getLong(96), block.getInt(104), block.getInt(108),
          Short.toUnsignedInt(block.getShort(112)), Short.toUnsignedInt(block.getShort(114)),
          block.getInt(116), block.getLong(120), block.getLong(128));
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(address, "dinode has an impossible timestamp ("
          + e.getMessage() + ")");
    }
    int area = dataAreaSize(block.capacity());
    if (d.type() == null) {
      throw new CorruptMetadataException(address, "dinode mode 0" + Integer.toOctalString(d.mode)
          + " names no file type");
    }
    if (d.height > MAX_HEIGHT) {
      throw new CorruptMetadataException(address, "dinode height " + d.height + " is above "
          + MAX_HEIGHT);
    }
    if (d.height == 0 && d.type() != FileType.DIRECTORY && d.size > area) {
      throw new CorruptMetadataException(address, "stuffed dinode claims " + d.size
          + " bytes but its data area holds " + area);
    }
    if (d.height >= 1 && d.extents > maxExtents(block.capacity())) {
      throw new CorruptMetadataException(address, "dinode claims " + d.extents
          + " extents but its data area holds " + maxExtents(block.capacity()));
    }
    return d;
  }

  /** The data area of a dinode block, as a read-only buffer of its own. */
  public static ByteBuffer dataArea(ByteBuffer block) {
    return block.asReadOnlyBuffer().limit(block.capacity()).position(DATA_OFFSET).slice();
  }

  /** The extents of a height-1 dinode, or the index extents of a height-2 one, as stored. */
  public Extent[] decodeExtents(ByteBuffer block) throws CorruptMetadataException {
    if (height == 0) {
      throw new IllegalStateException("dinode " + address + " is stuffed: it has no extents");
    }
    Extent[] result = new Extent[extents];
    for (int i = 0; i < extents; i++) {
      result[i] = Extent.decode(block, DATA_OFFSET + i * Extent.SIZE, address);
    }
    return result;
  }
}
