package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * One record of the journal index ("jindex" in the system directory): node slot {@code slot}
 * writes the journal whose file is dinode {@code dinode} and whose blocks are the contiguous run
 * {@code blocks} long from {@code firstBlock} (the journal file's single extent, repeated here so
 * that recovery finds a dead node's journal with one read).
 *
 * <pre>
 *  0  u64 journal file dinode
 *  8  u64 first block
 * 16  u64 length in blocks
 * 24  u32 slot
 * 28  u32 CRC32C of bytes 0..27
 * </pre>
 */
public record JournalIndexEntry(int slot, long dinode, long firstBlock, long blocks) {
  public static final int SIZE = IndexRecord.SIZE;

  public void encode(ByteBuffer buf, int offset) {
    buf.putLong(offset, dinode).putLong(offset + 8, firstBlock).putLong(offset + 16, blocks)
        .putInt(offset + 24, slot);
    IndexRecord.seal(buf, offset);
  }

  public static JournalIndexEntry decode(ByteBuffer buf, int offset, long block)
      throws CorruptMetadataException {
    IndexRecord.check(buf, offset, block, "journal index record");
    return new JournalIndexEntry(buf.getInt(offset + 24), buf.getLong(offset),
        buf.getLong(offset + 8), buf.getLong(offset + 16));
  }
}
