package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.Extent;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.journal.device.BlockDevice;

/**
 * The bytes of regular files and symlinks (GFS2's aops and the data half of bmap): reads, writes
 * and truncates, stuffed or through the {@link BlockMap}.
 *
 * <p>Ordered mode: data blocks are written in place here, during the operation, before the
 * transaction that maps them is committed; the journal's flush after its log write then makes the
 * data durable no later than the metadata pointing at it. Stuffed contents are metadata and go
 * through the journal with the dinode.
 */
final class FileContents {
  /** The largest file: what 64-bit offsets and 32-bit extent lengths allow without overflow. */
  static final long MAX_SIZE = Long.MAX_VALUE / 2;
  /** Zeros for holes read back. */
  private static final byte[] ZEROS = new byte[8192];
  /** Blocks the end of a free changes besides the runs: dinode, xattr block, their group. */
  private static final int STAGE_MARGIN = 4;
  /**
   * A write into unwritten blocks marks written the whole aligned run of this many bytes around
   * it, zero-filling the rest, as ext4 zeroes out around small conversions: random writes into a
   * fallocated file would otherwise split its extents at every write, and the map, rewritten
   * whole at every save, would grow past what two levels hold (EFBIG).
   */
  static final int CONVERT_BYTES = 1 << 20;
  /** Zeros for unwritten blocks a conversion fills: direct and page-aligned for the bulk lane. */
  private static final ByteBuffer ZERO_RUN =
      ByteBuffer.allocateDirect(CONVERT_BYTES + 4096).alignedSlice(4096).limit(CONVERT_BYTES)
          .asReadOnlyBuffer();

  private final BlockDevice device;
  private final int bs;
  private final Allocator allocator;
  private final Transactions transactions;
  private final int perBitmap;

  FileContents(BlockDevice device, Allocator allocator, Transactions transactions) {
    this.device = device;
    this.bs = device.blockSize();
    this.allocator = allocator;
    this.transactions = transactions;
    this.perBitmap = Bitmap.blocksPerBitmapBlock(bs);
  }

  int read(Inode in, long offset, ByteBuffer dst) throws IOException {
    if (offset >= in.size || !dst.hasRemaining()) {
      return 0;
    }
    int count = (int) Math.min(dst.remaining(), in.size - offset);
    if (in.height == 0) {
      dst.put(in.stuffed, (int) offset, count);
      return count;
    }
    long at = offset;
    long end = offset + count;
    while (at < end) {
      long block = at / bs;
      int inBlock = (int) (at % bs);
      Extent e = in.map.find(block);
      if (e == null || e.unwritten()) {
        long next = e == null ? in.map.nextMapped(block) : e.logical() + e.length();
        long stop = next < 0 ? end : Math.min(end, Math.max(next * bs, at + 1));
        putZeros(dst, (int) (stop - at));
        at = stop;
        continue;
      }
      long physical = e.physical() + (block - e.logical());
      long runBytes = (e.logical() + e.length() - block) * bs - inBlock;
      int n = (int) Math.min(end - at, runBytes);
      if (inBlock != 0 || n < bs) {
        // a partial block goes through a block-sized buffer; whole blocks go straight to dst
        n = Math.min(n, bs - inBlock);
        ByteBuffer one = ByteBuffer.allocate(bs);
        device.read(physical, one);
        dst.put(one.array(), inBlock, n);
      } else {
        n -= n % bs;
        device.read(physical, dst.slice(dst.position(), n));
        dst.position(dst.position() + n);
      }
      at += n;
    }
    return count;
  }

  private static void putZeros(ByteBuffer dst, int n) {
    while (n > 0) {
      int k = Math.min(n, ZEROS.length);
      dst.put(ZEROS, 0, k);
      n -= k;
    }
  }

  /** Writes {@code src} at {@code offset}; the caller reserved the blocks and saves the inode. */
  int write(Inode in, long offset, ByteBuffer src, FsTransaction tx) throws IOException {
    int count = src.remaining();
    long end = offset + count;
    if (end > MAX_SIZE || end < 0) {
      throw new FsException(Errno.EFBIG, "write to inode " + in.ino() + " would end at byte "
          + end + ", past the largest file");
    }
    if (in.height == 0 && end <= in.stuffed.length) {
      src.get(in.stuffed, (int) offset, count);
      in.size = Math.max(in.size, end);
      return count;
    }
    if (in.height == 0) {
      unstuff(in, tx);
    }
    long at = offset;
    while (at < end) {
      long block = at / bs;
      int inBlock = (int) (at % bs);
      long lastBlock = (end - 1) / bs;
      Extent e = in.map.find(block);
      long physical;
      long runBlocks;
      boolean fresh;
      boolean unwritten = false;
      if (e != null) {
        physical = e.physical() + (block - e.logical());
        runBlocks = Math.min(e.logical() + e.length() - block, lastBlock - block + 1);
        unwritten = e.unwritten();
        fresh = unwritten; // reads as zeros: a partial block is merged with zeros, not the disk
      } else {
        long next = in.map.nextMapped(block);
        long hole = next < 0 ? lastBlock - block + 1 : Math.min(next - block, lastBlock - block + 1);
        Allocator.Run r = allocator.blocks(tx, in.map.goal(block, in.goal()),
            (int) Math.min(hole, (4 << 20) / bs));
        in.map.add(block, r.start(), r.length());
        in.addBlocks(r.length());
        in.goal(r.start() + r.length());
        physical = r.start();
        runBlocks = r.length();
        fresh = true;
      }
      int n = (int) Math.min(end - at, runBlocks * bs - inBlock);
      writeRun(physical, inBlock, n, src, fresh);
      if (fresh) {
        tx.wroteIntoNewBlocks();
      }
      if (unwritten) {
        convert(in, e, block, (at + n - 1) / bs + 1);
      }
      at += n;
    }
    in.size = Math.max(in.size, end);
    return count;
  }

  /**
   * Marks written the blocks {@code first} to {@code end} - 1 of unwritten extent {@code e}, just
   * written, and the rest of the aligned {@link #CONVERT_BYTES} around them inside {@code e}, which
   * get zeros. The commit that marks them follows the data, as for new blocks.
   */
  private void convert(Inode in, Extent e, long first, long end) throws IOException {
    long chunk = Math.max(1, CONVERT_BYTES / bs);
    long from = Math.max(e.logical(), first / chunk * chunk);
    long to = Math.min(e.logical() + e.length(), (end + chunk - 1) / chunk * chunk);
    zeroFill(e.physical() + (from - e.logical()), first - from);
    zeroFill(e.physical() + (end - e.logical()), to - end);
    in.map.setFlags(from, to, 0);
  }

  private void zeroFill(long physical, long blocks) throws IOException {
    if (blocks > 0) {
      device.write(physical, ZERO_RUN.slice(0, (int) (blocks * bs)));
    }
  }

  /**
   * Writes the next {@code n} bytes of {@code src} into a run of blocks from {@code physical},
   * starting {@code inBlock} bytes into its first block. Whole blocks go from {@code src} to the
   * device as they are; a partial first or last block is merged with what the block holds (zeros
   * when it is {@code fresh}: newly allocated blocks never show what an earlier file left there).
   */
  private void writeRun(long physical, int inBlock, int n, ByteBuffer src, boolean fresh)
      throws IOException {
    int done = 0;
    if (inBlock != 0 || n < bs) {
      done = Math.min(n, bs - inBlock);
      writePartial(physical, inBlock, done, src, fresh);
    }
    int whole = (n - done) / bs * bs;
    if (whole > 0) {
      device.write(physical + (inBlock + done) / bs, src.slice(src.position(), whole));
      src.position(src.position() + whole);
      done += whole;
    }
    if (done < n) {
      writePartial(physical + (inBlock + done) / bs, 0, n - done, src, fresh);
    }
  }

  private void writePartial(long block, int at, int n, ByteBuffer src, boolean fresh)
      throws IOException {
    ByteBuffer one = ByteBuffer.allocate(bs);
    if (!fresh) {
      device.read(block, one);
    }
    src.get(one.array(), at, n);
    device.write(block, one.clear());
  }

  /** Moves stuffed contents into a first data block, written in place before the commit. */
  private void unstuff(Inode in, FsTransaction tx) throws IOException {
    byte[] old = in.stuffed;
    long size = in.size;
    in.stuffed = null;
    in.height = 1;
    if (size > 0) {
      Allocator.Run r = allocator.blocks(tx, in.ino() + 1, 1);
      ByteBuffer block = ByteBuffer.allocate(bs);
      block.put(old, 0, (int) size).clear();
      device.write(r.start(), block);
      tx.wroteIntoNewBlocks();
      in.map.add(0, r.start(), 1);
      in.addBlocks(1);
      in.goal(r.start() + 1);
    }
  }

  /** Data blocks a write of {@code count} bytes at {@code offset} may need, at most. */
  long blocksNeeded(Inode in, long offset, long count) {
    if (count == 0 || (in.height == 0 && offset + count <= in.stuffed.length)) {
      return 0;
    }
    long first = offset / bs;
    long last = (offset + count - 1) / bs;
    // The write's blocks, the unstuffed first block, and extent blocks if the map spills over.
    return last - first + 2 + 2;
  }

  /** Sets the size to {@code size}, freeing what lies beyond and zeroing a partial last block. */
  void truncate(Inode in, long size, FsTransaction tx) throws IOException {
    if (size > MAX_SIZE) {
      throw new FsException(Errno.EFBIG, "truncate of inode " + in.ino() + " to " + size
          + " bytes: past the largest file");
    }
    if (in.height == 0) {
      if (size <= in.stuffed.length) {
        if (size < in.size) {
          Arrays.fill(in.stuffed, (int) size, (int) in.size, (byte) 0);
        }
        in.size = size;
        return;
      }
      unstuff(in, tx);
    }
    if (size < in.size) {
      long keep = (size + bs - 1) / bs;
      freeRuns(in, in.map.truncate(keep), tx, false);
      int tail = (int) (size % bs);
      Extent e = tail == 0 ? null : in.map.find(size / bs);
      if (e != null && !e.unwritten()) {
        long physical = e.physical() + (size / bs - e.logical());
        ByteBuffer block = ByteBuffer.allocate(bs);
        device.read(physical, block);
        Arrays.fill(block.array(), tail, bs, (byte) 0);
        device.write(physical, block.clear());
      }
      if (size == 0) {
        in.map.releaseExtentBlocks(0, in, tx, allocator);
        in.height = 0;
        in.stuffed = new byte[Dinode.dataAreaSize(bs)];
      }
    }
    in.size = size;
  }

  /**
   * Blocks an allocate of {@code length} bytes at {@code offset} may take at most: the holes of
   * the range, the unstuffed first block and extent blocks if the map spills over.
   */
  long allocateNeeds(Inode in, long offset, long length) {
    long end = offset + length;
    if (in.height == 0) {
      return end <= in.stuffed.length ? 0 : (end - 1) / bs + 1 + 2 + 2;
    }
    long first = offset / bs;
    long last = (end - 1) / bs;
    long holes = last - first + 1;
    for (Extent e : in.map.all()) {
      long from = Math.max(first, e.logical());
      long to = Math.min(last + 1, e.logical() + e.length());
      holes -= Math.max(0, to - from);
    }
    return holes + 2;
  }

  /**
   * One stage of fallocate(2) without flags: gives every hole of the range unwritten blocks
   * (allocated, read as zeros, nothing written to the device), so later writes there cannot fail
   * with ENOSPC; from the start of the range, for as long as the runs fit {@code tx} (at least one).
   * Returns the byte up to which the range is now mapped: {@code offset + length} when it all is,
   * else the caller saves the inode and calls again in a new transaction (a range over many
   * groups changes more bitmap blocks than one journal transaction takes).
   */
  long allocateSome(Inode in, long offset, long length, FsTransaction tx) throws IOException {
    long end = offset + length;
    if (in.height == 0 && end <= in.stuffed.length) {
      return end;
    }
    if (in.height == 0) {
      unstuff(in, tx);
    }
    int maxRun = (4 << 20) / bs;
    int perExtentBlock = BlockMap.extentsPerBlock(bs);
    long block = offset / bs;
    long last = (end - 1) / bs;
    boolean allocatedAny = false;
    while (block <= last) {
      Extent e = in.map.find(block);
      if (e != null) {
        block = e.logical() + e.length();
        continue;
      }
      // a run's bitmap blocks and group header, and every extent block (a save rewrites them all)
      int images = maxRun / perBitmap + 2 + 1 + in.map.size() / perExtentBlock + 2;
      if (allocatedAny && !transactions.fits(tx, images + STAGE_MARGIN, 0)) {
        return block * bs;
      }
      long next = in.map.nextMapped(block);
      long hole = next < 0 || next > last ? last - block + 1 : next - block;
      Allocator.Run r = allocator.blocks(tx, in.map.goal(block, in.goal()),
          (int) Math.min(hole, maxRun));
      in.map.add(block, r.start(), r.length(), Extent.UNWRITTEN);
      in.addBlocks(r.length());
      in.goal(r.start() + r.length());
      block += r.length();
      allocatedAny = true;
    }
    return end;
  }

  /** Zeroes {@code length} bytes from {@code offset}: partial blocks in place, whole ones freed. */
  void punch(Inode in, long offset, long length, FsTransaction tx) throws IOException {
    long end = Math.min(offset + length, in.size);
    if (offset >= end) {
      return;
    }
    if (in.height == 0) {
      Arrays.fill(in.stuffed, (int) offset, (int) end, (byte) 0);
      return;
    }
    long firstWhole = (offset + bs - 1) / bs;
    long endWhole = end / bs;
    if (firstWhole < endWhole) {
      freeRuns(in, in.map.unmap(firstWhole, endWhole), tx, false);
    }
    zeroInPlace(in, offset, Math.min(end, firstWhole * bs));
    zeroInPlace(in, Math.max(offset, endWhole * bs), end);
  }

  /**
   * The first stage of ZERO_RANGE: {@code length} bytes from {@code offset} read as zeros
   * afterwards, with their blocks kept: whole mapped blocks become unwritten, partial ones at the
   * ends are zeroed in place. {@link #allocateSome} then gives the holes unwritten blocks.
   */
  void zeroKeepingBlocks(Inode in, long offset, long length) throws IOException {
    long end = offset + length;
    if (in.height == 0) {
      int to = (int) Math.min(end, in.stuffed.length);
      if (offset < to) {
        Arrays.fill(in.stuffed, (int) offset, to, (byte) 0);
      }
      return;
    }
    long firstWhole = (offset + bs - 1) / bs;
    long endWhole = end / bs;
    if (firstWhole < endWhole) {
      in.map.setFlags(firstWhole, endWhole, Extent.UNWRITTEN);
    }
    zeroInPlace(in, offset, Math.min(end, firstWhole * bs));
    zeroInPlace(in, Math.max(offset, endWhole * bs), end);
  }

  private void zeroInPlace(Inode in, long from, long to) throws IOException {
    if (from >= to) {
      return;
    }
    Extent e = in.map.find(from / bs);
    if (e == null || e.unwritten()) {
      return;
    }
    long physical = e.physical() + (from / bs - e.logical());
    ByteBuffer block = ByteBuffer.allocate(bs);
    device.read(physical, block);
    Arrays.fill(block.array(), (int) (from % bs), (int) (from % bs + (to - from)), (byte) 0);
    device.write(physical, block.clear());
  }

  /**
   * Whether freeing all of {@code in} ({@link #freeAll}) fits {@code tx} without making it larger
   * than one journal transaction: each bitmap block and group header the runs touch, the extent
   * blocks, the revokes of a directory's blocks, and the dinode's own group. A file that does not
   * fit is freed in stages with {@link #freeSome}.
   */
  boolean freesInOneTransaction(Inode in, FsTransaction tx) throws IOException {
    Set<Long> touched = new HashSet<>();
    long revokes = 1 + in.map.extentBlocks().size();
    for (Extent e : in.height == 0 ? List.<Extent>of() : in.map.all()) {
      ResourceGroup g = allocator.groupOf(e.physical());
      long first = e.physical() - g.index().dataStart();
      for (long k = first / perBitmap; k <= (first + e.length() - 1) / perBitmap; k++) {
        touched.add(g.index().address() + 1 + k);
      }
      touched.add(g.index().address());
      if (in.isDirectory()) {
        revokes += e.length();
      }
      if (touched.size() + revokes > Integer.MAX_VALUE / 2) {
        return false;
      }
    }
    return transactions.fits(tx, touched.size() + STAGE_MARGIN, (int) revokes);
  }

  /**
   * Whether truncating {@code in} to {@code size} frees few enough blocks for one transaction
   * (after what {@code tx} holds already).
   */
  boolean truncatesInOneTransaction(Inode in, long size, FsTransaction tx) throws IOException {
    if (in.height == 0) {
      return true;
    }
    long keep = (size + bs - 1) / bs;
    Set<Long> touched = new HashSet<>();
    for (Extent e : in.map.all()) {
      if (e.logical() + e.length() <= keep) {
        continue;
      }
      ResourceGroup g = allocator.groupOf(e.physical());
      long first = e.physical() - g.index().dataStart();
      for (long k = first / perBitmap; k <= (first + e.length() - 1) / perBitmap; k++) {
        touched.add(g.index().address() + 1 + k);
      }
      touched.add(g.index().address());
      if (touched.size() > Integer.MAX_VALUE / 2) {
        return false;
      }
    }
    int extentBlocks = in.map.extentBlocks().size();
    return transactions.fits(tx, touched.size() + extentBlocks + STAGE_MARGIN, extentBlocks + 1);
  }

  /**
   * One stage of a large truncate to {@code size}: frees blocks from the end of the file down to
   * the new end, for as long as they fit {@code tx} (at least some), and sets the size to where
   * the freed blocks began. Returns false when nothing is mapped past the new end.
   */
  boolean shrinkSome(Inode in, long size, FsTransaction tx) throws IOException {
    long freedFrom = freeTail(in, (size + bs - 1) / bs, tx);
    if (freedFrom < 0) {
      return false;
    }
    in.size = Math.max(size, Math.min(in.size, freedFrom * bs));
    return true;
  }

  /**
   * One stage of freeing an unlinked inode too large for one transaction (GFS2 truncates in
   * stages too): frees its blocks from the end while {@code tx} has room, leaving a shorter map
   * for the caller to save. Returns whether every run is freed; the caller then ends with
   * {@link #freeAll} in the same transaction. Each stage leaves an intact unlinked inode, which
   * the next mount or fsck frees if a crash stops the stages.
   */
  boolean freeSome(Inode in, FsTransaction tx) throws IOException {
    if (in.height == 0) {
      return true;
    }
    freeTail(in, 0, tx);
    return in.map.isEmpty();
  }

  /**
   * Frees the file's blocks from its end down to file block {@code keep} while they fit
   * {@code tx}, at least some. A run is cut when all of it does not fit: one contiguous run of a
   * large group can touch more bitmap blocks than a transaction takes. Returns the first file
   * block freed, or -1 when nothing is mapped past {@code keep}.
   */
  private long freeTail(Inode in, long keep, FsTransaction tx) throws IOException {
    List<Extent> all = in.map.all();
    int extentBlocks = in.map.extentBlocks().size();
    long freedFrom = -1;
    for (int i = all.size() - 1; i >= 0; i--) {
      Extent e = all.get(i);
      long from = Math.max(e.logical(), keep);
      long runEnd = e.logical() + e.length();
      if (from >= runEnd) {
        break;
      }
      long n = fittingTail(runEnd - from, in.isDirectory(), extentBlocks, tx);
      if (n == 0 && freedFrom >= 0) {
        break;
      }
      // each stage frees something, so that the stages always end
      long cut = runEnd - Math.max(n, Math.min(runEnd - from, perBitmap));
      freeRuns(in, in.map.truncate(cut), tx, in.isDirectory());
      freedFrom = cut;
      if (cut > from) {
        break; // the stage is full
      }
    }
    return freedFrom;
  }

  /**
   * How many of the last {@code blocks} blocks of a run one more free in {@code tx} may take:
   * their bitmap blocks and group header, the extent blocks and dinode a save rewrites, and the
   * revokes of a directory's blocks must fit one journal transaction.
   */
  private long fittingTail(long blocks, boolean metadata, int extentBlocks, FsTransaction tx) {
    long lo = 0;
    long hi = blocks;
    while (lo < hi) {
      long mid = (lo + hi + 1) >>> 1;
      int bitmaps = (int) Math.min(Integer.MAX_VALUE / 4, mid / perBitmap + 2);
      int revokes = (int) Math.min(Integer.MAX_VALUE / 4, metadata ? mid : 0);
      if (transactions.fits(tx, bitmaps + 1 + extentBlocks + STAGE_MARGIN,
          revokes + extentBlocks + 1)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Frees every block of {@code in}, the dinode last: the inode is gone. */
  void freeAll(Inode in, FsTransaction tx) throws IOException {
    if (in.height != 0) {
      freeRuns(in, in.map.truncate(0), tx, in.isDirectory());
      in.map.releaseExtentBlocks(0, in, tx, allocator);
    }
    allocator.free(tx, in.ino(), 1, true);
    tx.revoke(in.ino());
  }

  private void freeRuns(Inode in, List<Extent> runs, FsTransaction tx, boolean metadata)
      throws IOException {
    for (Extent e : runs) {
      allocator.free(tx, e.physical(), e.length(), false);
      in.addBlocks(-e.length());
      if (metadata) {
        for (long b = e.physical(); b < e.physical() + e.length(); b++) {
          tx.revoke(b);
        }
      }
    }
  }
}
