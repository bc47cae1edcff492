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
import org.gfsj.fs.format.DirectoryLeaf;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.HashTableBlock;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.format.NameHash;
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
  private static final int EXTENT_COUNT = 24;
  private static final int EXTENT_BLOCK_HEADER = 32;
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

  /** The entries of a directory, stuffed or hashed, "." and ".." included. */
  public List<DirectoryEntry> directory(long address) throws IOException {
    ByteBuffer b = block(address);
    try {
      Dinode d = directoryDinode(b, address);
      if (!d.isHashedDirectory()) {
        return DirectoryEntry.readLinear(Dinode.dataArea(b), address);
      }
      List<DirectoryEntry> entries = new ArrayList<>();
      long[] table = hashTable(d, b);
      int i = 0;
      while (i < table.length) {
        int depth = -1;
        for (long leaf : leafChain(table[i], address)) {
          ByteBuffer l = block(leaf);
          depth = depth < 0 ? DirectoryLeaf.depth(l) : depth;
          entries.addAll(DirectoryEntry.readLinear(DirectoryLeaf.area(l), leaf));
        }
        int tableDepth = Integer.numberOfTrailingZeros(table.length);
        if (depth > tableDepth) {
          throw new CorruptMetadataException(table[i], "directory leaf has depth " + depth
              + ", deeper than its table (" + tableDepth + ")");
        }
        int span = 1 << (tableDepth - depth);
        i = (i & ~(span - 1)) + span;
      }
      return entries;
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
  }

  private static Dinode directoryDinode(ByteBuffer b, long address)
      throws CorruptMetadataException {
    Dinode d = Dinode.decode(b, address);
    if (d.type() != FileType.DIRECTORY) {
      throw new CorruptMetadataException(address, "expected a directory, found mode 0"
          + Integer.toOctalString(d.mode()));
    }
    return d;
  }

  /**
   * The leaf pointers of hashed directory {@code d}, whose dinode block is {@code b}: from its
   * data area, or from the table blocks its extents map.
   */
  public long[] hashTable(Dinode d, ByteBuffer b) throws IOException {
    int depth = HashTableBlock.depthOfSize(d.size());
    int bs = superBlock.blockSize();
    if (depth < 0 || (d.height() == 0 && d.size() > Dinode.dataAreaSize(bs))) {
      throw new CorruptMetadataException(d.address(), "hashed directory has size " + d.size()
          + ", which is no hash table's size");
    }
    long[] table = new long[1 << depth];
    if (d.height() == 0) {
      ByteBuffer area = Dinode.dataArea(b);
      for (int i = 0; i < table.length; i++) {
        table[i] = area.getLong(8 * i);
      }
      return table;
    }
    List<Long> blocks = mappedBlocks(d, b);
    int per = HashTableBlock.perBlock(bs);
    if (blocks.size() < HashTableBlock.blocks(depth, bs)) {
      throw new CorruptMetadataException(d.address(), "hashed directory of depth " + depth
          + " maps " + blocks.size() + " table blocks, fewer than the "
          + HashTableBlock.blocks(depth, bs) + " it needs");
    }
    for (int k = 0; k * per < table.length; k++) {
      ByteBuffer tb = block(blocks.get(k));
      HashTableBlock.check(tb, blocks.get(k));
      for (int j = 0; j < per && k * per + j < table.length; j++) {
        table[k * per + j] = HashTableBlock.pointer(tb, j);
      }
    }
    return table;
  }

  /** The device blocks of a mapped (height 1 or 2) file, in file order, holes left out. */
  public List<Long> mappedBlocks(Dinode d, ByteBuffer b) throws IOException {
    List<Long> out = new ArrayList<>();
    for (Extent e : dataExtents(d, b)) {
      for (int i = 0; i < e.length(); i++) {
        out.add(e.physical() + i);
      }
    }
    return out;
  }

  /**
   * The extents that map a mapped (height 1 or 2) file's data, in file order, read through its
   * extent blocks at height 2.
   */
  public List<Extent> dataExtents(Dinode d, ByteBuffer b) throws IOException {
    List<Extent> out = new ArrayList<>();
    for (Extent e : d.decodeExtents(b)) {
      if (d.height() == 1) {
        out.add(e);
      } else {
        ByteBuffer x = block(e.physical());
        MetadataHeader.check(x, MetadataType.EXTENT_BLOCK, e.physical());
        int n = x.getInt(EXTENT_COUNT);
        if (n < 1 || EXTENT_BLOCK_HEADER + (long) n * Extent.SIZE > x.capacity()) {
          throw new CorruptMetadataException(e.physical(), "extent block claims " + n
              + " extents");
        }
        for (int i = 0; i < n; i++) {
          out.add(Extent.decode(x, EXTENT_BLOCK_HEADER + i * Extent.SIZE, e.physical()));
        }
      }
    }
    return out;
  }

  /** Leaf {@code first} and the leaves chained after it, each checked, for directory {@code dir}. */
  public List<Long> leafChain(long first, long dir) throws IOException {
    List<Long> chain = new ArrayList<>();
    for (long a = first; a != 0; ) {
      ByteBuffer l = block(a);
      DirectoryLeaf.check(l, a);
      if (DirectoryLeaf.owner(l) != dir) {
        throw new CorruptMetadataException(a, "directory leaf belongs to inode "
            + DirectoryLeaf.owner(l) + ", but directory " + dir + " points at it");
      }
      chain.add(a);
      if (chain.size() > 1 && DirectoryLeaf.depth(l) != HashTableBlock.MAX_DEPTH) {
        throw new CorruptMetadataException(a, "chained directory leaf has depth "
            + DirectoryLeaf.depth(l) + "; only leaves of depth " + HashTableBlock.MAX_DEPTH
            + " chain");
      }
      if (chain.size() > superBlock.blockCount()) {
        throw new CorruptMetadataException(a, "the leaf chain of directory " + dir + " loops");
      }
      a = DirectoryLeaf.next(l);
    }
    return chain;
  }

  /**
   * The inode that {@code name} in directory {@code dir} names; in a hashed directory this reads
   * one table block and one leaf chain.
   */
  public long lookup(long dir, String name) throws IOException {
    ByteBuffer b = block(dir);
    List<DirectoryEntry> candidates;
    try {
      Dinode d = directoryDinode(b, dir);
      if (d.isHashedDirectory()) {
        long[] table = hashTable(d, b);
        int i = HashTableBlock.index(NameHash.of(name),
            Integer.numberOfTrailingZeros(table.length));
        candidates = new ArrayList<>();
        for (long leaf : leafChain(table[i], dir)) {
          candidates.addAll(DirectoryEntry.readLinear(DirectoryLeaf.area(block(leaf)), leaf));
        }
      } else {
        candidates = DirectoryEntry.readLinear(Dinode.dataArea(b), dir);
      }
    } catch (CorruptMetadataException e) {
      throw e.on(device.name());
    }
    for (DirectoryEntry e : candidates) {
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
