package org.gfsj.journal.log;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Lays a transaction out as log blocks, and reads the fields of descriptor, revoke and commit
 * blocks back.
 *
 * <pre>
 * descriptor (type 2)          revoke (type 3)             commit (type 4)
 *  24 u32 entry count           24 u32 entry count          24 u32 blocks in the transaction
 *  32 u64 entries: target       32 u64 entries: revoked        (commit included)
 *     block numbers                block numbers            28 u32 CRC32C of the transaction's
 *  followed by one image per                                   other blocks, in log order
 *  entry                                                    32 u64 log position of its first block
 *                                                           40 u64 tail when it was written
 * </pre>
 *
 * A transaction is: (descriptor, images)*, revoke*, commit, at consecutive log positions (the
 * circle may wrap inside it). Images need no escaping: a walk of the log steps over them by the
 * descriptor's count and never reads one as a log block.
 */
final class LogLayout {
  private static final int OFF_COUNT = 24;
  private static final int OFF_ENTRIES = 32;
  private static final int OFF_TOTAL = 24;
  private static final int OFF_TX_CRC = 28;
  private static final int OFF_START = 32;
  private static final int OFF_TAIL = 40;

  private LogLayout() {}

  static int descriptorCapacity(int blockSize) {
    return (blockSize - OFF_ENTRIES - 4) / 8;
  }

  static int revokeCapacity(int blockSize) {
    return descriptorCapacity(blockSize);
  }

  /**
   * Writes the log blocks of {@code tx} into {@code out} (which must hold
   * {@code tx.logBlocks(blockSize)} blocks from its position) and advances its position.
   */
  static void encode(
      Transaction tx, long sequence, long journalId, long startPosition, long tail,
      int blockSize, ByteBuffer out) {
    CRC32C crc = new CRC32C();
    int perDescriptor = descriptorCapacity(blockSize);
    var entries = tx.images().entrySet().iterator();
    int remaining = tx.images().size();
    int total = 0;
    while (remaining > 0) {
      int n = Math.min(perDescriptor, remaining);
      ByteBuffer descriptor = out.slice(out.position(), blockSize);
      LogBlock.begin(descriptor, LogBlock.TYPE_DESCRIPTOR, sequence, journalId);
      descriptor.putInt(OFF_COUNT, n);
      int imageAt = out.position() + blockSize;
      for (int i = 0; i < n; i++) {
        Map.Entry<Long, ByteBuffer> e = entries.next();
        ByteBuffer image = e.getValue();
        if (image.remaining() != blockSize) {
          throw new IllegalArgumentException("image of block " + e.getKey() + " holds "
              + image.remaining() + " bytes, not one " + blockSize + "-byte block");
        }
        out.slice(imageAt + i * blockSize, blockSize).put(image.duplicate());
        descriptor.putLong(OFF_ENTRIES + i * 8, e.getKey());
      }
      LogBlock.seal(descriptor);
      crc.update(out.slice(out.position(), (n + 1) * blockSize));
      out.position(out.position() + (n + 1) * blockSize);
      total += n + 1;
      remaining -= n;
    }
    int perRevoke = revokeCapacity(blockSize);
    var revokes = tx.revokes().iterator();
    remaining = tx.revokes().size();
    while (remaining > 0) {
      int n = Math.min(perRevoke, remaining);
      ByteBuffer revoke = out.slice(out.position(), blockSize);
      LogBlock.begin(revoke, LogBlock.TYPE_REVOKE, sequence, journalId);
      revoke.putInt(OFF_COUNT, n);
      for (int i = 0; i < n; i++) {
        revoke.putLong(OFF_ENTRIES + i * 8, revokes.next());
      }
      LogBlock.seal(revoke);
      crc.update(revoke.clear());
      out.position(out.position() + blockSize);
      total++;
      remaining -= n;
    }
    ByteBuffer commit = out.slice(out.position(), blockSize);
    LogBlock.begin(commit, LogBlock.TYPE_COMMIT, sequence, journalId);
    commit.putInt(OFF_TOTAL, total + 1);
    commit.putInt(OFF_TX_CRC, (int) crc.getValue());
    commit.putLong(OFF_START, startPosition);
    commit.putLong(OFF_TAIL, tail);
    LogBlock.seal(commit);
    out.position(out.position() + blockSize);
  }

  static int entryCount(ByteBuffer block) {
    return block.getInt(OFF_COUNT);
  }

  static long entry(ByteBuffer block, int i) {
    return block.getLong(OFF_ENTRIES + i * 8);
  }

  static int commitTotal(ByteBuffer commit) {
    return commit.getInt(OFF_TOTAL);
  }

  static int commitCrc(ByteBuffer commit) {
    return commit.getInt(OFF_TX_CRC);
  }

  static long commitStart(ByteBuffer commit) {
    return commit.getLong(OFF_START);
  }
}
