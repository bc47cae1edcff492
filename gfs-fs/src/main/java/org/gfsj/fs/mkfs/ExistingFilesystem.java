package org.gfsj.fs.mkfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.journal.device.BlockDevice;

/**
 * Recognises what a device already holds from the signatures blkid looks for, so that mkfs does
 * not destroy a filesystem by a slip of the device name.
 */
public final class ExistingFilesystem {
  private static final int GFS2_MAGIC = 0x01161970;
  private static final int EXT_MAGIC_OFFSET = 1080;
  private static final short EXT_MAGIC = (short) 0xEF53;
  private static final int SWAP_OFFSET = 4086;
  /** Far enough to see every signature: the superblocks at 64 KiB and the block after. */
  private static final int PROBE_BYTES = 64 * 1024 + 4096;

  private ExistingFilesystem() {}

  /** What the device holds ("ext2/3/4", "GFS2", ...), or null when nothing is recognised. */
  public static String detect(BlockDevice device) throws IOException {
    int bs = device.blockSize();
    long blocks = Math.min(device.blockCount(), (PROBE_BYTES + bs - 1) / bs);
    ByteBuffer head = ByteBuffer.allocateDirect((int) blocks * bs);
    device.read(0, head);
    head.clear();
    if (head.capacity() >= SuperBlock.BYTE_OFFSET + 8) {
      int magic = head.getInt((int) SuperBlock.BYTE_OFFSET);
      if (magic == MetadataHeader.MAGIC) {
        return "GFSJ";
      }
      if (magic == GFS2_MAGIC) {
        return "GFS2";
      }
    }
    if (has(head, 0, "XFSB")) {
      return "XFS";
    }
    if (head.capacity() >= EXT_MAGIC_OFFSET + 2
        && head.duplicate().order(ByteOrder.LITTLE_ENDIAN).getShort(EXT_MAGIC_OFFSET) == EXT_MAGIC) {
      return "ext2/3/4";
    }
    if (has(head, SWAP_OFFSET, "SWAPSPACE2")) {
      return "Linux swap";
    }
    return null;
  }

  private static boolean has(ByteBuffer head, int offset, String signature) {
    byte[] want = signature.getBytes(StandardCharsets.US_ASCII);
    if (head.capacity() < offset + want.length) {
      return false;
    }
    byte[] got = new byte[want.length];
    head.get(offset, got);
    return Arrays.equals(want, got);
  }
}
