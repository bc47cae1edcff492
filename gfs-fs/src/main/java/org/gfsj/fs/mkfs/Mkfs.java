package org.gfsj.fs.mkfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.DirectoryEntry;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.fs.format.Timestamp;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.log.JournalRegion;

/**
 * Makes a filesystem, as mkfs.gfs2 does: first a plan of every address (resource groups, then
 * system dinodes, journals and index files allocated front to back), then the writes.
 *
 * <p>The tree it makes:
 *
 * <pre>
 * root/                    the users' root directory, empty
 * master/ (system)         jindex, rindex, statfs, journals/, per_node/
 *   journals/journalN      one per node slot: a dinode followed by its blocks, one run
 *   per_node/statfs_changeN  each node's statfs deltas
 * </pre>
 *
 * <p>Order of writes: the first 64 KiB and the old superblock are zeroed first and the new
 * superblock written last, after a flush, so that an interrupted mkfs leaves no filesystem rather
 * than a half-made one. Each group's header and bitmaps go out in one write; data blocks are not
 * touched (the bitmaps say they are free), so a sparse image stays sparse.
 */
public final class Mkfs {
  /** Told after each resource group is written, for a progress display. */
  @FunctionalInterface
  public interface Progress {
    void groupsWritten(int done, int total);
  }

  /** What was made, for the summary mkfs prints. */
  public record Summary(String device, int blockSize, long deviceBlocks, long filesystemBlocks,
      int journals, long journalBlocks, int resourceGroups, LockProtocol protocol,
      String lockTable, UUID uuid) {}

  private static final int DIR_MODE = 0755;
  private static final int SYSTEM_FILE_MODE = 0600;

  private final BlockDevice device;
  private final MkfsOptions options;
  private final int bs;
  private final Timestamp now = Timestamp.of(Instant.now());

  private Mkfs(BlockDevice device, MkfsOptions options) {
    this.device = device;
    this.options = options;
    this.bs = options.blockSize();
  }

  /** Makes the filesystem on {@code device}, opened by the caller with the options' block size. */
  public static Summary make(BlockDevice device, MkfsOptions options, Progress progress)
      throws IOException {
    if (device.blockSize() != options.blockSize()) {
      throw new IllegalArgumentException(device.name() + " is open with " + device.blockSize()
          + "-byte blocks, not " + options.blockSize());
    }
    if (!options.overwrite()) {
      String found = ExistingFilesystem.detect(device);
      if (found != null) {
        throw new MkfsException(device.name() + " appears to contain an existing filesystem ("
            + found + "); use -O to overwrite it, destroying what it holds");
      }
    }
    return new Mkfs(device, options).run(progress);
  }

  /** Where everything goes. */
  private record Plan(List<ResourceGroupIndexEntry> groups, MkfsAllocator alloc, long master,
      long root, long journalsDir, long perNode, long statfs, long[] statfsChange,
      long[] journals, long jindex, long jindexBlocks, long rindex, long rindexBlocks) {}

  private Summary run(Progress progress) throws IOException {
    checkJournalsFit();
    long minimum = minimumBlocks();
    if (device.blockCount() < minimum) {
      throw tooSmall(minimum);
    }
    Plan plan;
    try {
      plan = plan(ResourceGroupGeometry.groups(bs, device.blockCount(),
          options.resourceGroupBlocks()));
    } catch (MkfsAllocator.OutOfSpace e) {
      throw tooSmall(minimum + options.resourceGroupBlocks());
    }
    UUID uuid = UUID.randomUUID();
    long sbAddress = SuperBlock.address(bs);
    device.write(0, ByteBuffer.allocateDirect((int) (sbAddress + 1) * bs));
    device.flush();
    writeGroups(plan, progress);
    writeSystemFiles(plan);
    for (int slot = 0; slot < options.journals(); slot++) {
      JournalRegion.format(new JournalRegion(device, plan.journals[slot] + 1,
          options.journalBlocks(), "journal " + slot));
    }
    device.flush();
    long fsBlocks = plan.groups.get(plan.groups.size() - 1).end();
    SuperBlock sb = new SuperBlock(SuperBlock.FORMAT_VERSION, bs, fsBlocks, plan.root,
        plan.master, options.resourceGroupBlocks(), uuid, options.protocol(), options.lockTable());
    ByteBuffer sbBlock = ByteBuffer.allocateDirect(bs);
    sb.encode(sbBlock);
    device.write(sbAddress, sbBlock.clear());
    device.flush();
    return new Summary(device.name(), bs, device.blockCount(), fsBlocks, options.journals(),
        options.journalBlocks(), plan.groups.size(), options.protocol(), options.lockTable(), uuid);
  }

  private void checkJournalsFit() throws MkfsException {
    int maxJournals = Dinode.dataAreaSize(bs) / 32 - 2;
    if (options.journals() > maxJournals) {
      throw new MkfsException(options.journals() + " journals: at most " + maxJournals
          + " fit with " + bs + "-byte blocks");
    }
    long groupData = ResourceGroupGeometry.group(0, options.resourceGroupBlocks(), bs).dataBlocks();
    if (options.journalBlocks() + 1 > groupData) {
      throw new MkfsException("journals of " + mib(options.journalBlocks()) + " do not fit in"
          + " resource groups of " + mib(options.resourceGroupBlocks()) + "; make the resource"
          + " groups (-r) larger than the journals (-J)");
    }
  }

  /**
   * The smallest device for these options: the groups that the system files and journals take, on
   * a device as large as they could ever need, and one more whole group for the users' data.
   */
  private long minimumBlocks() {
    long groupBlocks = options.resourceGroupBlocks();
    long ample = SuperBlock.address(bs) + 1 + (options.journals() + 2L) * groupBlocks;
    List<ResourceGroupIndexEntry> groups = ResourceGroupGeometry.groups(bs, ample, groupBlocks);
    try {
      Plan plan = plan(groups);
      return groups.get(plan.alloc.lastGroupUsed()).end() + groupBlocks;
    } catch (MkfsAllocator.OutOfSpace e) {
      throw new IllegalStateException("a device of " + ample + " blocks cannot hold "
          + options.journals() + " journals of " + options.journalBlocks() + " blocks", e);
    }
  }

  private MkfsException tooSmall(long minimum) {
    return new MkfsException(device.name() + " is too small: " + mib(device.blockCount())
        + " holds no filesystem with " + options.journals() + " journal(s) of "
        + mib(options.journalBlocks()) + " and resource groups of "
        + mib(options.resourceGroupBlocks()) + "; the minimum is " + mib(minimum) + " ("
        + minimum + " blocks of " + bs + " bytes). Use a larger device, or fewer or smaller"
        + " journals (-j, -J) or smaller resource groups (-r)");
  }

  private String mib(long blocks) {
    return String.format("%.1f MiB", blocks * (double) bs / (1 << 20));
  }

  private Plan plan(List<ResourceGroupIndexEntry> groups) throws MkfsAllocator.OutOfSpace {
    MkfsAllocator alloc = new MkfsAllocator(groups);
    int n = options.journals();
    long master = alloc.dinode();
    long root = alloc.dinode();
    long journalsDir = alloc.dinode();
    long perNode = alloc.dinode();
    long statfs = alloc.dinode();
    long[] statfsChange = new long[n];
    for (int i = 0; i < n; i++) {
      statfsChange[i] = alloc.dinode();
    }
    long[] journals = new long[n];
    for (int i = 0; i < n; i++) {
      journals[i] = alloc.dinodeWithData(options.journalBlocks());
    }
    long jindexBlocks = recordFileBlocks(n);
    long jindex = alloc.dinodeWithData(jindexBlocks);
    long rindexBlocks = recordFileBlocks(groups.size());
    long rindex = alloc.dinodeWithData(rindexBlocks);
    return new Plan(groups, alloc, master, root, journalsDir, perNode, statfs, statfsChange,
        journals, jindex, jindexBlocks, rindex, rindexBlocks);
  }

  /** Data blocks a file of {@code records} index records needs: none while stuffed. */
  private long recordFileBlocks(int records) {
    long bytes = (long) records * JournalIndexEntry.SIZE;
    return bytes <= Dinode.dataAreaSize(bs) ? 0 : (bytes + bs - 1) / bs;
  }

  private void writeGroups(Plan plan, Progress progress) throws IOException {
    int perBitmap = Bitmap.blocksPerBitmapBlock(bs);
    for (int g = 0; g < plan.groups.size(); g++) {
      ResourceGroupIndexEntry group = plan.groups.get(g);
      int blocks = 1 + group.bitmapBlocks();
      ByteBuffer chunk = ByteBuffer.allocateDirect(blocks * bs);
      new ResourceGroupHeader(group.address(), group.dataStart(), group.length(),
          group.bitmapBlocks(), group.dataBlocks(), plan.alloc.free(g), plan.alloc.dinodes(g),
          plan.alloc.dinodes(g) + 1L).encode(slice(chunk, 0));
      ByteBuffer[] bitmaps = new ByteBuffer[group.bitmapBlocks()];
      for (int k = 0; k < bitmaps.length; k++) {
        bitmaps[k] = slice(chunk, 1 + k);
        Bitmap.start(bitmaps[k], group.address() + 1 + k);
      }
      for (MkfsAllocator.Run run : plan.alloc.runs(g)) {
        int i = run.index();
        int end = run.index() + run.count();
        while (i < end) {
          int k = i / perBitmap;
          int n = Math.min(end, (k + 1) * perBitmap) - i;
          Bitmap.fill(bitmaps[k], i % perBitmap, n, run.state());
          i += n;
        }
      }
      for (ByteBuffer b : bitmaps) {
        Bitmap.seal(b);
      }
      device.write(group.address(), chunk);
      progress.groupsWritten(g + 1, plan.groups.size());
    }
  }

  private ByteBuffer slice(ByteBuffer chunk, int block) {
    return chunk.slice(block * bs, bs);
  }

  private void writeSystemFiles(Plan p) throws IOException {
    int n = options.journals();
    writeDirectory(p.alloc, p.root, 2, 0, List.of(
        new DirectoryEntry(".", p.root, FileType.DIRECTORY),
        new DirectoryEntry("..", p.root, FileType.DIRECTORY)));
    writeDirectory(p.alloc, p.master, 4, Dinode.FLAG_SYSTEM, List.of(
        new DirectoryEntry(".", p.master, FileType.DIRECTORY),
        new DirectoryEntry("..", p.master, FileType.DIRECTORY),
        new DirectoryEntry("jindex", p.jindex, FileType.REGULAR),
        new DirectoryEntry("rindex", p.rindex, FileType.REGULAR),
        new DirectoryEntry("statfs", p.statfs, FileType.REGULAR),
        new DirectoryEntry("journals", p.journalsDir, FileType.DIRECTORY),
        new DirectoryEntry("per_node", p.perNode, FileType.DIRECTORY)));
    List<DirectoryEntry> journals = new ArrayList<>(List.of(
        new DirectoryEntry(".", p.journalsDir, FileType.DIRECTORY),
        new DirectoryEntry("..", p.master, FileType.DIRECTORY)));
    List<DirectoryEntry> perNode = new ArrayList<>(List.of(
        new DirectoryEntry(".", p.perNode, FileType.DIRECTORY),
        new DirectoryEntry("..", p.master, FileType.DIRECTORY)));
    ByteBuffer jindex = ByteBuffer.allocate(n * JournalIndexEntry.SIZE);
    for (int slot = 0; slot < n; slot++) {
      journals.add(new DirectoryEntry("journal" + slot, p.journals[slot], FileType.REGULAR));
      perNode.add(new DirectoryEntry("statfs_change" + slot, p.statfsChange[slot],
          FileType.REGULAR));
      long first = p.journals[slot] + 1;
      writeFile(p.alloc, p.journals[slot], options.journalBlocks(), null);
      new JournalIndexEntry(slot, p.journals[slot], first, options.journalBlocks())
          .encode(jindex, slot * JournalIndexEntry.SIZE);
      ByteBuffer change = ByteBuffer.allocate(StatfsChange.SIZE);
      new StatfsChange(0, 0, 0).encode(change, 0);
      writeFile(p.alloc, p.statfsChange[slot], 0, change);
    }
    writeDirectory(p.alloc, p.journalsDir, 2, Dinode.FLAG_SYSTEM, journals);
    writeDirectory(p.alloc, p.perNode, 2, Dinode.FLAG_SYSTEM, perNode);
    writeFile(p.alloc, p.jindex, p.jindexBlocks, jindex);

    ByteBuffer rindex = ByteBuffer.allocate(p.groups.size() * ResourceGroupIndexEntry.SIZE);
    long total = 0;
    long free = 0;
    long dinodes = 0;
    for (int g = 0; g < p.groups.size(); g++) {
      p.groups.get(g).encode(rindex, g * ResourceGroupIndexEntry.SIZE);
      total += p.groups.get(g).dataBlocks();
      free += p.alloc.free(g);
      dinodes += p.alloc.dinodes(g);
    }
    writeFile(p.alloc, p.rindex, p.rindexBlocks, rindex);
    ByteBuffer statfs = ByteBuffer.allocate(StatfsChange.SIZE);
    new StatfsChange(total, free, dinodes).encode(statfs, 0);
    writeFile(p.alloc, p.statfs, 0, statfs);
  }

  private void writeDirectory(MkfsAllocator alloc, long address, int nlink, int flags,
      List<DirectoryEntry> entries) throws IOException {
    ByteBuffer area = ByteBuffer.allocate(Dinode.dataAreaSize(bs));
    DirectoryEntry.writeLinear(entries, area);
    writeDinode(new Dinode(address, FileType.DIRECTORY.modeBits() | DIR_MODE, 0, 0, nlink,
        bs, 1, now, now, now, flags, alloc.generation(address), 0, 0, 0, 0, entries.size(), 0,
        address), area);
  }

  /**
   * A system file: stuffed when {@code dataBlocks} is 0, else one extent over the
   * {@code dataBlocks} blocks that follow its dinode, where {@code contents} (if any) is written.
   */
  private void writeFile(MkfsAllocator alloc, long address, long dataBlocks, ByteBuffer contents)
      throws IOException {
    int mode = FileType.REGULAR.modeBits() | SYSTEM_FILE_MODE;
    long generation = alloc.generation(address);
    if (dataBlocks == 0) {
      writeDinode(new Dinode(address, mode, 0, 0, 1, contents.remaining(), 1, now, now,
          now, Dinode.FLAG_SYSTEM, generation, 0, 0, 0, 0, 0, 0, address), contents);
      return;
    }
    long size = contents == null ? dataBlocks * bs : contents.remaining();
    if (contents != null) {
      ByteBuffer padded = ByteBuffer.allocateDirect((int) dataBlocks * bs);
      padded.put(contents.duplicate()).clear();
      device.write(address + 1, padded);
    }
    ByteBuffer extent = ByteBuffer.allocate(Extent.SIZE);
    new Extent(0, address + 1, (int) dataBlocks, 0).encode(extent, 0);
    writeDinode(new Dinode(address, mode, 0, 0, 1, size, 1 + dataBlocks, now, now, now,
        Dinode.FLAG_SYSTEM, generation, 0, 0, 1, 1, 0, 0, address + 1 + dataBlocks), extent);
  }

  private void writeDinode(Dinode dinode, ByteBuffer data) throws IOException {
    ByteBuffer block = ByteBuffer.allocateDirect(bs);
    dinode.encode(block, data);
    device.write(dinode.address(), block.clear());
  }
}
