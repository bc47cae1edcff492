package org.gfsj.tools.fs;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gfsj.fs.fsck.Fsck;
import org.gfsj.fs.fsck.Progress;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fsck.gfsj}: checks an unmounted filesystem and, with -y or -p, repairs what is safe to
 * repair; exits with fsck(8)'s codes.
 */
@Command(
    name = "fsck.gfsj",
    mixinStandardHelpOptions = true,
    version = "fsck.gfsj 0.1.0",
    exitCodeOnInvalidInput = FsckCommand.USAGE_ERROR,
    exitCodeOnExecutionException = Fsck.OPERATIONAL_ERROR,
    description = {"Check a GFSJ filesystem on a block device, image file or nbd:// export.",
        "Exit codes: 0 no errors, 1 errors corrected, 4 errors left uncorrected,"
            + " 8 operational error, 16 usage error."})
public final class FsckCommand implements Callable<Integer> {
  static final int USAGE_ERROR = 16;

  @Spec CommandSpec spec;

  /** At most one of -n, -y and -p; none means -n, as there is no interactive mode to ask in. */
  static final class Mode {
    @Option(names = "-n", description = "Check only; change nothing (the default).")
    boolean no;

    @Option(names = "-y", description = "Repair every problem that is safe to repair.")
    boolean yes;

    @Option(names = "-p", description = "Preen: repair as -y does (every repair is a safe one).")
    boolean preen;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Mode mode;

  @Option(names = "-v", description = "Verbose: also say what was checked and found sound.")
  boolean verbose;

  @Option(names = "-q", description = "Quiet: no progress display (it is shown only on a"
      + " terminal anyway).")
  boolean quiet;

  @Parameters(paramLabel = "DEVICE",
      description = "A block device, an image file or nbd://host[:port]/export.")
  String device;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FsckCommand()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean repair = mode != null && (mode.yes || mode.preen);
    // a \r-rewritten line belongs on a terminal only, not in logs and pipes
    Progress progress = quiet || System.console() == null ? Progress.NONE
        : new TerminalProgress(out);
    int exit = Fsck.check(device, repair, verbose, out, err, progress);
    out.flush();
    err.flush();
    return exit;
  }
}
