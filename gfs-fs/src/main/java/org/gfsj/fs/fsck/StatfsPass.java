package org.gfsj.fs.fsck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.StatfsChange;

/**
 * Pass 6: the statfs files against the bitmaps (as fsck.gfs2 checks the master statfs). The master
 * file plus every node slot's change file must add up to the data blocks, free blocks and dinodes
 * the bitmaps count; -y writes the bitmaps' totals into the master and zeroes every change file,
 * which is what a clean unmount leaves.
 */
final class StatfsPass {
  private StatfsPass() {}

  static void run(FileSystemReader fs, StatfsChange bitmaps, Findings findings,
      MetadataRepairs repairs) throws IOException {
    if (bitmaps == null) {
      findings.say("  statfs not checked: a group's bitmaps could not be read");
      return;
    }
    long master = fs.systemFile("statfs");
    long perNode = fs.systemFile("per_node");
    List<Long> files = new ArrayList<>(List.of(master));
    for (int slot = 0; slot < fs.journalIndex().size(); slot++) {
      files.add(fs.lookup(perNode, "statfs_change" + slot));
    }
    StatfsChange sum = new StatfsChange(0, 0, 0);
    String unreadable = null;
    for (long file : files) {
      try {
        StatfsChange s = fs.statfs(file);
        sum = new StatfsChange(sum.total() + s.total(), sum.free() + s.free(),
            sum.dinodes() + s.dinodes());
      } catch (CorruptMetadataException e) {
        unreadable = e.getMessage();
      }
    }
    String problem;
    if (unreadable != null) {
      problem = "statfs file unreadable (" + unreadable + ")";
    } else if (!sum.equals(bitmaps)) {
      problem = "statfs says " + sum.total() + " data blocks, " + sum.free() + " free, "
          + sum.dinodes() + " dinodes; the bitmaps say " + bitmaps.total() + ", "
          + bitmaps.free() + ", " + bitmaps.dinodes();
    } else {
      return;
    }
    if (!findings.repair()) {
      findings.left(problem, "run fsck.gfsj -y to set the statfs totals from the bitmaps");
      return;
    }
    for (long file : files) {
      write(fs, repairs, file, file == master ? bitmaps : new StatfsChange(0, 0, 0));
    }
    findings.fixed(problem, "master statfs set from the bitmaps, change files zeroed");
  }

  private static void write(FileSystemReader fs, MetadataRepairs repairs, long file,
      StatfsChange record) throws IOException {
    ByteBuffer b = fs.block(file);
    Dinode.decode(b, file);
    record.encode(b, Dinode.DATA_OFFSET);
    repairs.write(file, b);
  }
}
