package org.gfsj.fs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.BlockDevices;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.log.JournalRegion;

/**
 * Reads an unmounted filesystem's structures straight from the device, uncached and checked: what
 * gfs-tool shows, what fsck starts from and how a mount finds its journal before its cache exists.
 * Every corrupt block is reported with the device's name in front.
 */
public final class FileSystemReader implements Closeable {
  private final BlockDevice device;
  private final SuperBlock superBlock;

  private FileSystemReader(BlockDevice device, SuperBlock superBlock) {
    this.device = device;
    this.superBlock = superBlock;
  }

  /**
   * Opens the filesystem on {@code spec} (a path or nbd://), at whatever block size its superblock
   * gives; {@code options}' block size is ignored.
   */
  public static FileSystemReader open(String spec, DeviceOptions options) throws IOException {
    int probeSize = DeviceOptions.DEFAULT_BLOCK_SIZE;
    BlockDevice device = BlockDevices.open(spec, options.withBlockSize(probeSize));
    try {
      int blockSize = probeBlockSize(device);
      if (blockSize != probeSize) {
        device.close();
        device = BlockDevices.open(spec, options.withBlockSize(blockSize));
      }
      return of(device);
    } catch (IOException | RuntimeException e) {
      device.close();
      throw e;
    }
  }

  /** Reads the superblock of {@code device}, open at the filesystem's block size; takes it over. */
  public static FileSystemReader of(BlockDevice device) throws IOException {
    ByteBuffer block = ByteBuffer.allocateDirect(device.blockSize());
    try {
      readBlock(device, SuperBlock.address(device.blockSize()), block);
      return new FileSystemReader(device, SuperBlock.decode(block));
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  private static int probeBlockSize(BlockDevice device) throws IOException {
    long address = SuperBlock.address(device.blockSize());
    if (device.blockCount() <= address) {
      throw new CorruptMetadataException(address, "the device (" + device.size()
          + " bytes) is too small to hold a GFSJ superblock").on(device.name());
    }
    ByteBuffer block = ByteBuffer.allocateDirect(device.blockSize());
    readBlock(device, address, block);
    try {
      return SuperBlock.peekBlockSize(block);
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  private static void readBlock(BlockDevice device, long address, ByteBuffer block)
      throws IOException {
    device.read(address, block.clear());
    block.clear();
  }

  public BlockDevice device() {
    return device;
  }

  public SuperBlock superBlock() {
    return superBlock;
  }

  /** The block at {@code address}, unchecked. */
  public ByteBuffer block(long address) throws IOException {
    if (address <= SuperBlock.address(superBlock.blockSize())
        || address >= superBlock.blockCount()) {
      throw new CorruptMetadataException(address, "a pointer leads outside the filesystem ("
          + superBlock.blockCount() + " blocks)").on(device.name());
    }
    ByteBuffer b = ByteBuffer.allocateDirect(superBlock.blockSize());
    readBlock(device, address, b);
    return b;
  }

  public Dinode dinode(long address) throws IOException {
    try {
      return Dinode.decode(block(address), address);
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  /** The entries of a stuffed directory, "." and ".." included. */
  public List<DirectoryEntry> directory(long address) throws IOException {
    ByteBuffer b = block(address);
    try {
      Dinode d = Dinode.decode(b, address);
      if (d.type() != FileType.DIRECTORY || d.height() != 0) {
        throw new CorruptMetadataException(address, "expected a stuffed directory, found mode 0"
            + Integer.toOctalString(d.mode()) + " of height " + d.height());
      }
      return DirectoryEntry.readLinear(Dinode.dataArea(b), address);
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  /** The inode that {@code name} in directory {@code dir} names. */
  public long lookup(long dir, String name) throws IOException {
    for (DirectoryEntry e : directory(dir)) {
      if (e.name().equals(name)) {
        return e.inode();
      }
    }
    throw new CorruptMetadataException(dir, "directory has no entry '" + name + "'")
        .on(device.name());
  }

  /** The whole contents of a small file (a system file), stuffed or mapped by extents. */
  public ByteBuffer contents(long address) throws IOException {
    ByteBuffer b = block(address);
    try {
      Dinode d = Dinode.decode(b, address);
      if (d.height() == 0) {
        return Dinode.dataArea(b).limit((int) d.size()).slice();
      }
      ByteBuffer out = ByteBuffer.allocate((int) d.size());
      for (Extent e : d.decodeExtents(b)) {
        long bytes = (long) e.length() * superBlock.blockSize();
        ByteBuffer run = ByteBuffer.allocateDirect((int) bytes);
        device.read(e.physical(), run);
        long at = e.logical() * superBlock.blockSize();
        if (at < d.size()) {
          int n = (int) Math.min(bytes, d.size() - at);
          out.put((int) at, run.flip().limit(n), 0, n);
        }
      }
      return out;
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  /** The system directory's entry {@code name}. */
  public long systemFile(String name) throws IOException {
    return lookup(superBlock.masterDinode(), name);
  }

  public List<JournalIndexEntry> journalIndex() throws IOException {
    long jindex = systemFile("jindex");
    ByteBuffer c = contents(jindex);
    List<JournalIndexEntry> entries = new ArrayList<>();
    try {
      for (int at = 0; at + JournalIndexEntry.SIZE <= c.capacity(); at += JournalIndexEntry.SIZE) {
        entries.add(JournalIndexEntry.decode(c, at, jindex));
      }
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
    return entries;
  }

  /** The journal of slot {@code entry}, as a region of this device. */
  public JournalRegion journal(JournalIndexEntry entry) {
    return new JournalRegion(device, entry.firstBlock(), entry.blocks(),
        "journal " + entry.slot());
  }

  public List<ResourceGroupIndexEntry> resourceGroupIndex() throws IOException {
    long rindex = systemFile("rindex");
    ByteBuffer c = contents(rindex);
    List<ResourceGroupIndexEntry> entries = new ArrayList<>();
    try {
      for (int at = 0; at + ResourceGroupIndexEntry.SIZE <= c.capacity();
          at += ResourceGroupIndexEntry.SIZE) {
        entries.add(ResourceGroupIndexEntry.decode(c, at, rindex));
      }
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
    return entries;
  }

  public ResourceGroupHeader resourceGroupHeader(ResourceGroupIndexEntry group)
      throws IOException {
    try {
      return ResourceGroupHeader.decode(block(group.address()), group.address());
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  /** The state of every data block of a group, read with one I/O over its bitmap blocks. */
  public BlockState[] bitmap(ResourceGroupIndexEntry group) throws IOException {
    int bs = superBlock.blockSize();
    ByteBuffer all = ByteBuffer.allocateDirect(group.bitmapBlocks() * bs);
    device.read(group.address() + 1, all);
    int perBitmap = Bitmap.blocksPerBitmapBlock(bs);
    BlockState[] states = new BlockState[group.dataBlocks()];
    try {
      for (int k = 0; k < group.bitmapBlocks(); k++) {
        ByteBuffer b = all.slice(k * bs, bs);
        Bitmap.check(b, group.address() + 1 + k);
        for (int i = 0; i < perBitmap && k * perBitmap + i < states.length; i++) {
          states[k * perBitmap + i] = Bitmap.get(b, i);
        }
      }
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
    return states;
  }

  /** A statfs file's record: "statfs" or one of "per_node/statfs_changeN". */
  public StatfsChange statfs(long address) throws IOException {
    try {
      return StatfsChange.decode(contents(address), 0, address);
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  @Override
  public void close() throws IOException {
    device.close();
  }
}
