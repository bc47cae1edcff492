package org.gfsj.journal.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.WriteMode;

/**
 * Where one journal lives: a run of blocks on the shared device. Its first two blocks hold the two
 * header copies; the rest is the log area, used as a circle. Positions in the log area are counted
 * from 0; writers count them without wrapping (an "absolute" position) and map them here.
 */
public final class JournalRegion {
  static final int HEADER_COPIES = 2;
  /** The smallest region that leaves room for a transaction of a few blocks beside the headers. */
  public static final long MIN_BLOCKS = 16;

  private final BlockDevice device;
  private final long firstBlock;
  private final long blocks;
  private final String label;

  /**
   * @param label how an operator names this journal in messages: "journal 2"
   */
  public JournalRegion(BlockDevice device, long firstBlock, long blocks, String label) {
    if (blocks < MIN_BLOCKS) {
      throw new IllegalArgumentException(label + ": " + blocks + " blocks is too small for a journal"
          + " (at least " + MIN_BLOCKS + ")");
    }
    if (firstBlock < 0 || firstBlock > device.blockCount() - blocks) {
      throw new IllegalArgumentException(label + ": blocks " + firstBlock + ".."
          + (firstBlock + blocks - 1) + " lie outside " + device.name() + " ("
          + device.blockCount() + " blocks)");
    }
    this.device = device;
    this.firstBlock = firstBlock;
    this.blocks = blocks;
    this.label = label;
  }

  public BlockDevice device() {
    return device;
  }

  public long firstBlock() {
    return firstBlock;
  }

  public long blocks() {
    return blocks;
  }

  public String label() {
    return label;
  }

  int blockSize() {
    return device.blockSize();
  }

  /** How many blocks the circular log holds. */
  long logBlocks() {
    return blocks - HEADER_COPIES;
  }

  /** The device address of a log position, absolute or not. */
  long deviceBlock(long position) {
    return firstBlock + HEADER_COPIES + Math.floorMod(position, logBlocks());
  }

  /** "journal 2 on /dev/sdb": the prefix of every message about this journal. */
  String where() {
    return label + " on " + device.name();
  }

  /**
   * Writes a new, empty journal here with a fresh id. Nothing in the log area needs clearing: no
   * leftover carries the new id.
   */
  public static void format(JournalRegion region) throws IOException {
    long id = new SecureRandom().nextLong();
    ByteBuffer block = ByteBuffer.allocateDirect(region.blockSize());
    for (int copy = 0; copy < HEADER_COPIES; copy++) {
      new JournalHeader(copy, id, true, region.blocks, 0, 1, region.blockSize()).encode(block);
      region.device.write(region.firstBlock + copy, block.clear());
    }
    region.device.flush();
  }

  /** Reads both header copies and returns the intact one with the higher generation. */
  JournalHeader readHeader() throws IOException {
    JournalHeader best = null;
    ByteBuffer block = ByteBuffer.allocateDirect(blockSize());
    for (int copy = 0; copy < HEADER_COPIES; copy++) {
      device.read(firstBlock + copy, block.clear());
      JournalHeader h = JournalHeader.decode(block);
      if (h != null && (best == null || h.generation() > best.generation())) {
        best = h;
      }
    }
    if (best == null) {
      throw new JournalCorruptException(where() + ": neither header copy (blocks " + firstBlock
          + " and " + (firstBlock + 1) + ") is intact; run fsck.gfsj on the device");
    }
    if (best.regionBlocks() != blocks) {
      throw new JournalCorruptException(where() + ": header says the journal has "
          + best.regionBlocks() + " blocks but the index gives " + blocks + "; run fsck.gfsj");
    }
    if (best.tail() < 0 || best.tail() >= logBlocks()) {
      throw new JournalCorruptException(where() + ": header tail " + best.tail()
          + " lies outside the log area; run fsck.gfsj");
    }
    return best;
  }

  /** Writes {@code header} over the older copy, durable on return. */
  void writeHeader(JournalHeader header) throws IOException {
    ByteBuffer block = ByteBuffer.allocateDirect(blockSize());
    header.encode(block);
    device.write(firstBlock + (header.generation() % HEADER_COPIES), block.clear(), WriteMode.FUA);
  }
}
