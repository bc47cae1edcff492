package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.Bitmap;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;
import org.gfsj.fs.format.StatfsChange;

/**
 * Pass 5: each group's bitmap against what pass 2 reached, then the group header's counts against
 * the bitmap. A group's bitmaps are read with one I/O and written back only if they changed.
 * Problems are reported in runs of neighbouring blocks, so a leaked 1 GiB file is one line.
 */
final class BitmapPass {
  private final FileSystemReader fs;
  private final Findings findings;
  private final MetadataRepairs repairs;
  private final BitSet blocks;
  private final BitSet dinodes;
  private final int bs;
  private final int perBitmap;
  private Run run;
  /** What the bitmaps count, after this pass's repairs: data blocks, free blocks, dinodes. */
  private long totalBlocks;
  private long freeBlocks;
  private long dinodeCount;
  private boolean everyGroupCounted = true;

  /** Neighbouring blocks with the same problem, reported as one line. */
  private record Run(String problem, String repair, long first, long last) {}

  BitmapPass(FileSystemReader fs, Findings findings, MetadataRepairs repairs, TreeWalk walk) {
    this.fs = fs;
    this.findings = findings;
    this.repairs = repairs;
    this.blocks = walk.blocks;
    this.dinodes = walk.dinodes;
    this.bs = fs.superBlock().blockSize();
    this.perBitmap = Bitmap.blocksPerBitmapBlock(bs);
  }

  void run(Groups groups) throws IOException {
    int checked = 0;
    for (ResourceGroupIndexEntry g : groups.all()) {
      findings.progress("Pass 4", "resource groups", checked++, groups.all().size());
      try {
        check(g);
      } catch (CorruptMetadataException e) {
        everyGroupCounted = false;
        findings.left(e.getMessage(), "the group's bitmaps are left as they are; restore them"
            + " from a backup");
      }
    }
    flush();
  }

  private void check(ResourceGroupIndexEntry g) throws IOException, CorruptMetadataException {
    ByteBuffer all = ByteBuffer.allocateDirect(g.bitmapBlocks() * bs);
    fs.device().read(g.address() + 1, all);
    boolean[] changed = new boolean[g.bitmapBlocks()];
    for (int k = 0; k < g.bitmapBlocks(); k++) {
      Bitmap.check(all.slice(k * bs, bs), g.address() + 1 + k);
    }
    int free = 0;
    int dinodeCount = 0;
    for (int i = 0; i < g.dataBlocks(); i++) {
      ByteBuffer bitmap = all.slice(i / perBitmap * bs, bs);
      long address = g.dataStart() + i;
      BlockState actual = Bitmap.get(bitmap, i % perBitmap);
      BlockState expected = expected(address);
      BlockState result = actual;
      if (actual != expected) {
        note(address, actual, expected);
        if (findings.repair()) {
          Bitmap.set(bitmap, i % perBitmap, expected);
          changed[i / perBitmap] = true;
          result = expected;
        }
      }
      if (result == BlockState.FREE) {
        free++;
      } else if (result == BlockState.DINODE || result == BlockState.UNLINKED) {
        dinodeCount++;
      }
    }
    flush();
    totalBlocks += g.dataBlocks();
    freeBlocks += free;
    this.dinodeCount += dinodeCount;
    for (int k = 0; k < changed.length; k++) {
      if (changed[k]) {
        repairs.write(g.address() + 1 + k, all.slice(k * bs, bs));
      }
    }
    checkCounts(g, free, dinodeCount);
  }

  /** The totals statfs must report, or null when a group's bitmaps could not be read. */
  StatfsChange totals() {
    return everyGroupCounted ? new StatfsChange(totalBlocks, freeBlocks, dinodeCount) : null;
  }

  private BlockState expected(long address) {
    int a = Math.toIntExact(address);
    if (dinodes.get(a)) {
      return BlockState.DINODE;
    }
    return blocks.get(a) ? BlockState.USED : BlockState.FREE;
  }

  private void note(long address, BlockState actual, BlockState expected) {
    String problem;
    String advice;
    if (expected == BlockState.FREE && actual == BlockState.UNLINKED) {
      problem = "orphan inode(s), unlinked while open at a crash";
      advice = "freed";
    } else if (expected == BlockState.FREE && actual == BlockState.DINODE) {
      problem = "unreachable inode(s) marked in use";
      advice = "freed";
    } else if (expected == BlockState.FREE) {
      problem = "leaked block(s), marked used but part of no file";
      advice = "freed";
    } else if (actual == BlockState.FREE) {
      problem = "block(s) in use by files but marked free, so they could be handed out twice";
      advice = "marked " + expected.name().toLowerCase();
    } else {
      problem = "block(s) marked " + actual.name().toLowerCase() + " but in use as "
          + (expected == BlockState.DINODE ? "a dinode" : "file data or metadata");
      advice = "marked " + expected.name().toLowerCase();
    }
    if (run != null && run.problem().equals(problem) && run.last() == address - 1) {
      run = new Run(problem, advice, run.first(), address);
      return;
    }
    flush();
    run = new Run(problem, advice, address, address);
  }

  private void flush() {
    if (run == null) {
      return;
    }
    String blocksText = run.first() == run.last() ? "block " + run.first()
        : "blocks " + run.first() + ".." + run.last();
    String problem = blocksText + ": " + run.problem();
    if (findings.repair()) {
      findings.fixed(problem, run.repair());
    } else {
      findings.left(problem, "run fsck.gfsj -y to fix the bitmap");
    }
    run = null;
  }

  private void checkCounts(ResourceGroupIndexEntry g, int free, int dinodeCount)
      throws IOException {
    ResourceGroupHeader h = fs.resourceGroupHeader(g);
    if (h.free() == free && h.dinodes() == dinodeCount) {
      return;
    }
    String problem = "resource group at block " + g.address() + " counts " + h.free()
        + " free blocks and " + h.dinodes() + " dinodes; its bitmap says " + free + " and "
        + dinodeCount;
    if (!findings.repair()) {
      findings.left(problem, "run fsck.gfsj -y to set the counts");
      return;
    }
    ByteBuffer b = fs.block(g.address());
    new ResourceGroupHeader(h.address(), h.dataStart(), h.length(), h.bitmapBlocks(),
        h.dataBlocks(), free, dinodeCount, h.nextGeneration()).encode(b);
    fs.device().write(g.address(), b.clear());
    findings.fixed(problem, "counts set from the bitmap");
  }
}
