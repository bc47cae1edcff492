package org.gfsj.journal.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The bytes every journal block with a header shares, as {@code docs/format.md} describes them.
 *
 * <pre>
 *   0  u32  magic 0x474A4C47 ("GJLG")
 *   4  u32  type: 1 header, 2 descriptor, 3 revoke, 4 commit
 *   8  u64  sequence (for a header: its generation)
 *  16  u64  journal id, chosen at format time
 *  24  ...  type-specific
 *  bs-4 u32 CRC32C of bytes [0, bs-4)
 * </pre>
 *
 * The journal id keeps the leftovers of an earlier mkfs on the same disk from ever passing for
 * entries of the new journal. Block images carry no header: the descriptor before them says what
 * they are.
 */
final class LogBlock {
  static final int MAGIC = 0x474A4C47;
  static final int TYPE_HEADER = 1;
  static final int TYPE_DESCRIPTOR = 2;
  static final int TYPE_REVOKE = 3;
  static final int TYPE_COMMIT = 4;

  static final int OFF_MAGIC = 0;
  static final int OFF_TYPE = 4;
  static final int OFF_SEQUENCE = 8;
  static final int OFF_JOURNAL_ID = 16;
  static final int OFF_BODY = 24;

  private LogBlock() {}

  /** Starts a log block of {@code type} in {@code block} (which it zeroes first). */
  static void begin(ByteBuffer block, int type, long sequence, long journalId) {
    zero(block);
    block.putInt(OFF_MAGIC, MAGIC);
    block.putInt(OFF_TYPE, type);
    block.putLong(OFF_SEQUENCE, sequence);
    block.putLong(OFF_JOURNAL_ID, journalId);
  }

  /** Writes the block's own CRC into its last four bytes. */
  static void seal(ByteBuffer block) {
    int size = block.capacity();
    block.putInt(size - 4, crcOf(block, size - 4));
  }

  /** Whether {@code block} is a sealed log block of {@code journalId} with an intact CRC. */
  static boolean isValid(ByteBuffer block, long journalId) {
    int size = block.capacity();
    return block.getInt(OFF_MAGIC) == MAGIC
        && block.getLong(OFF_JOURNAL_ID) == journalId
        && block.getInt(size - 4) == crcOf(block, size - 4);
  }

  static int type(ByteBuffer block) {
    return block.getInt(OFF_TYPE);
  }

  static long sequence(ByteBuffer block) {
    return block.getLong(OFF_SEQUENCE);
  }

  private static int crcOf(ByteBuffer block, int length) {
    CRC32C crc = new CRC32C();
    crc.update(block.duplicate().clear().limit(length));
    return (int) crc.getValue();
  }

  private static void zero(ByteBuffer block) {
    int size = block.capacity();
    for (int i = 0; i + 8 <= size; i += 8) {
      block.putLong(i, 0L);
    }
  }
}
