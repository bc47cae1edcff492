package org.gfsj.fs.format;

import java.nio.ByteBuffer;

/**
 * The contents of a statfs file. The master file ("statfs") holds the filesystem totals as last
 * folded in; each node's change file ("per_node/statfs_changeN") holds that node's signed deltas
 * since, so that allocating nodes never contend on one block. statfs(2) is the master plus every
 * node's deltas.
 *
 * <pre>
 *  0  i64 total data blocks
 *  8  i64 free data blocks
 * 16  i64 dinodes
 * 24  u32 reserved, zero
 * 28  u32 CRC32C of bytes 0..27
 * </pre>
 */
public record StatfsChange(long total, long free, long dinodes) {
  public static final int SIZE = IndexRecord.SIZE;

  public void encode(ByteBuffer buf, int offset) {
    buf.putLong(offset, total).putLong(offset + 8, free).putLong(offset + 16, dinodes)
        .putInt(offset + 24, 0);
    IndexRecord.seal(buf, offset);
  }

  public static StatfsChange decode(ByteBuffer buf, int offset, long block)
      throws CorruptMetadataException {
    IndexRecord.check(buf, offset, block, "statfs record");
    return new StatfsChange(buf.getLong(offset), buf.getLong(offset + 8), buf.getLong(offset + 16));
  }
}
