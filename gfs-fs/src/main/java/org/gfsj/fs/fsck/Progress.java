package org.gfsj.fs.fsck;

/**
 * A live count of a long pass, for a terminal: the command line shows it there and nowhere else
 * (a rewritten line has no place in a log or a pipe), so the passes report to this and never
 * print progress themselves.
 */
public interface Progress {
  /** Shows nothing. */
  Progress NONE = new Progress() {
    @Override
    public void update(String pass, String unit, long done, long total) {}

    @Override
    public void finish() {}
  };

  /** {@code done} of {@code total} {@code unit} of {@code pass} are checked; total 0: unknown. */
  void update(String pass, String unit, long done, long total);

  /** The pass ended: the next output starts on a clean line. */
  void finish();
}
