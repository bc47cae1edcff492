package org.gfsj.tools;

import org.gfsj.lockd.raftrpc.RaftSerialFilter;
import org.gfsj.tools.fs.JournalsCommand;
import org.gfsj.tools.fs.SuperBlockCommand;
import org.gfsj.tools.lockd.KeygenCommand;
import org.gfsj.tools.lockd.LockdCommand;
import org.gfsj.tools.lockd.LockdumpCommand;
import org.gfsj.tools.lockd.NodesCommand;
import org.gfsj.tools.mount.DfCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gfs-tool}: the administrator's view of a GFSJ cluster and its devices. */
@Command(
    name = "gfs-tool",
    mixinStandardHelpOptions = true,
    version = "gfs-tool 0.1.0",
    description = "Inspect and administer GFSJ filesystems, journals and devices.",
    subcommands = {CommandLine.HelpCommand.class, BenchCommand.class, SuperBlockCommand.class,
        JournalsCommand.class, DfCommand.class, LockdumpCommand.class, NodesCommand.class,
        LockdCommand.class, KeygenCommand.class})
public final class GfsTool {

  public static void main(String[] args) {
    RaftSerialFilter.install(); // lockd set-peers speaks Raft
    System.exit(new CommandLine(new GfsTool()).execute(args));
  }
}
