package org.gfsj.tools.fs;

import java.io.PrintWriter;
import org.gfsj.fs.fsck.Progress;

/**
 * fsck's progress as one line rewritten in place with {@code \r}, at most five times a second,
 * and wiped before anything else is printed. Only for a terminal: the command line gives
 * {@link Progress#NONE} to logs, pipes and -q.
 */
final class TerminalProgress implements Progress {
  private static final long EVERY_NANOS = 200_000_000L;

  private final PrintWriter out;
  private long shownAt;
  private int shownLength;

  TerminalProgress(PrintWriter out) {
    this.out = out;
    this.shownAt = System.nanoTime();
  }

  @Override
  public void update(String pass, String unit, long done, long total) {
    long now = System.nanoTime();
    if (now - shownAt < EVERY_NANOS) {
      return;
    }
    shownAt = now;
    String line = total > 0
        ? String.format("%s: %d/%d %s checked", pass, done, total, unit)
        : String.format("%s: %d %s checked", pass, done, unit);
    out.print("\r" + line + " ".repeat(Math.max(0, shownLength - line.length())));
    out.flush();
    shownLength = line.length();
  }

  @Override
  public void finish() {
    if (shownLength > 0) {
      out.print("\r" + " ".repeat(shownLength) + "\r");
      out.flush();
      shownLength = 0;
    }
  }
}
