package org.gfsj.fs.fsck;

import java.io.IOException;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.journal.log.JournalReplayer;

/**
 * Journals, checked first: a dirty journal holds metadata newer than what is in place, so the
 * other passes would "repair" the filesystem back to a state older than the last commit. With -y
 * it is replayed before they run; with -n the other passes see the pre-replay state and say so.
 */
final class JournalPass {
  private JournalPass() {}

  static void run(FileSystemReader fs, Findings findings) throws IOException {
    for (JournalIndexEntry j : fs.journalIndex()) {
      JournalReplayer replayer = new JournalReplayer(fs.journal(j));
      if (!replayer.needsReplay()) {
        findings.detail("  journal " + j.slot() + ": clean");
        continue;
      }
      String problem = "journal " + j.slot() + " (blocks " + j.firstBlock() + ".."
          + (j.firstBlock() + j.blocks() - 1) + ") needs replay";
      if (findings.repair()) {
        JournalReplayer.Result r = replayer.replay();
        findings.fixed(problem, "replayed " + r.transactions() + " transactions ("
            + r.blocksWritten() + " blocks)");
      } else {
        findings.left(problem, "mount once or run fsck.gfsj -y; the checks below see the"
            + " filesystem as it was before the journal's last transactions");
      }
    }
  }
}
