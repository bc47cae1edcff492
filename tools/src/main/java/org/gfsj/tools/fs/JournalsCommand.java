package org.gfsj.tools.fs;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.JournalIndexEntry;
import org.gfsj.journal.log.JournalReplayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gfs-tool journals DEVICE}: each node slot's journal, where it is and whether it holds
 * transactions a replay would write (dirty: its node is mounted, or died and awaits recovery).
 */
@Command(
    name = "journals",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = 1,
    description = "List the journals of a GFSJ filesystem: slot, place, size and state.")
public final class JournalsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DEVICE", description = "A block device, an image file or nbd://…")
  String device;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (FileSystemReader fs = FileSystemReader.open(device, SuperBlockCommand.lookOnly())) {
      int bs = fs.superBlock().blockSize();
      int damaged = 0;
      out.printf("%-5s %-12s %-9s %-10s %s%n", "slot", "first block", "blocks", "size", "state");
      for (JournalIndexEntry j : fs.journalIndex()) {
        String state;
        try {
          state = new JournalReplayer(fs.journal(j)).needsReplay() ? "dirty" : "clean";
        } catch (IOException e) {
          state = "damaged";
          err.println("gfs-tool journals: " + e.getMessage());
          damaged++;
        }
        out.printf("%-5d %-12d %-9d %-10s %s%n", j.slot(), j.firstBlock(), j.blocks(),
            String.format("%dMB", j.blocks() * bs >> 20), state);
      }
      out.flush();
      return damaged == 0 ? 0 : 1;
    } catch (IOException e) {
      err.println("gfs-tool journals: " + e.getMessage());
      return 1;
    }
  }
}
