package org.gfsj.journal.log;

import java.nio.ByteBuffer;

/**
 * The journal's header: where the oldest entry that still matters lies, and whether the journal was
 * closed clean. Two copies live in the region's first two blocks and are written in turn with a
 * rising generation, so that a torn header write always leaves the other copy whole.
 *
 * <pre>
 *  24 u32 format version (1)
 *  28 u32 flags: bit 0 clean
 *  32 u64 region length in blocks, headers included
 *  40 u64 tail: position in the log area of the oldest live transaction
 *  48 u64 tail sequence: the sequence number the transaction at the tail must carry
 *  56 u32 block size
 * </pre>
 *
 * @param generation rises with every header write; the valid copy with the highest one is current
 */
record JournalHeader(
    long generation, long journalId, boolean clean, long regionBlocks, long tail, long tailSequence,
    int blockSize) {

  static final int VERSION = 1;
  private static final int FLAG_CLEAN = 1;

  void encode(ByteBuffer block) {
    LogBlock.begin(block, LogBlock.TYPE_HEADER, generation, journalId);
    block.putInt(24, VERSION);
    block.putInt(28, clean ? FLAG_CLEAN : 0);
    block.putLong(32, regionBlocks);
    block.putLong(40, tail);
    block.putLong(48, tailSequence);
    block.putInt(56, blockSize);
    LogBlock.seal(block);
  }

  /** Decodes a header copy, or returns null when the block is not an intact header. */
  static JournalHeader decode(ByteBuffer block) {
    int size = block.capacity();
    long journalId = block.getLong(LogBlock.OFF_JOURNAL_ID);
    if (!LogBlock.isValid(block, journalId)
        || LogBlock.type(block) != LogBlock.TYPE_HEADER
        || block.getInt(24) != VERSION
        || block.getInt(56) != size) {
      return null;
    }
    return new JournalHeader(
        LogBlock.sequence(block), journalId, (block.getInt(28) & FLAG_CLEAN) != 0,
        block.getLong(32), block.getLong(40), block.getLong(48), size);
  }

  JournalHeader next(boolean isClean, long newTail, long newTailSequence) {
    return new JournalHeader(
        generation + 1, journalId, isClean, regionBlocks, newTail, newTailSequence, blockSize);
  }
}
