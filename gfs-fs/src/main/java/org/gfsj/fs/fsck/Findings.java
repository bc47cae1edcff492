package org.gfsj.fs.fsck;

import java.io.PrintWriter;

/**
 * What the passes found and what they repaired, printed as found so that a run that dies midway
 * has already said what it saw; the exit code is read from it at the end.
 */
public final class Findings {
  private final PrintWriter out;
  private final boolean repair;
  private final boolean verbose;
  private final Progress progress;
  private int found;
  private int fixed;

  Findings(PrintWriter out, boolean repair, boolean verbose, Progress progress) {
    this.out = out;
    this.repair = repair;
    this.verbose = verbose;
    this.progress = progress;
  }

  /** Reports how far a long pass got; shown on a terminal only, by the command line. */
  void progress(String pass, String unit, long done, long total) {
    progress.update(pass, unit, done, total);
  }

  /** Whether this run may write: -y or -p. */
  boolean repair() {
    return repair;
  }

  /** A problem that this run repaired (only called when repairing). */
  void fixed(String problem, String repair) {
    found++;
    fixed++;
    progress.finish();
    out.println(problem + ": " + repair);
  }

  /** A problem left as it is: by -n, or because no safe repair exists; {@code advice} says what to do. */
  void left(String problem, String advice) {
    found++;
    progress.finish();
    out.println(problem + ": " + advice);
  }

  /** A line for -v only: what was checked and found sound. */
  void detail(String line) {
    if (verbose) {
      say(line);
    }
  }

  void say(String line) {
    progress.finish();
    out.println(line);
    out.flush();
  }

  public int found() {
    return found;
  }

  public int fixed() {
    return fixed;
  }

  /** fsck(8)'s exit code: 0 clean, 1 every error corrected, 4 errors left uncorrected. */
  public int exitCode() {
    if (found == 0) {
      return 0;
    }
    return fixed == found ? 1 : 4;
  }
}
