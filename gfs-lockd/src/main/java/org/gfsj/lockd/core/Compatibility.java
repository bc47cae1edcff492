package org.gfsj.lockd.core;

/**
 * Which pairs of {@link LockMode}s may be held at once. The standard matrix is the one VMS, the
 * Linux DLM and OpenVMS document; it is symmetric. Another instance exists only so that tests can
 * prove their checkers notice a wrong one (see {@link #withExtraPair}).
 */
public final class Compatibility {

  /** The VMS matrix, rows and columns in {@link LockMode} order NL, CR, CW, PR, PW, EX. */
  private static final boolean[][] STANDARD_MATRIX = {
    // NL    CR     CW     PR     PW     EX
    {true, true, true, true, true, true}, // NL
    {true, true, true, true, true, false}, // CR
    {true, true, true, false, false, false}, // CW
    {true, true, false, true, false, false}, // PR
    {true, true, false, false, false, false}, // PW
    {true, false, false, false, false, false}, // EX
  };

  public static final Compatibility STANDARD = new Compatibility(STANDARD_MATRIX);

  private final boolean[][] matrix;

  private Compatibility(boolean[][] matrix) {
    this.matrix = matrix;
  }

  public boolean compatible(LockMode a, LockMode b) {
    return matrix[a.ordinal()][b.ordinal()];
  }

  /**
   * A deliberately wrong matrix that also lets {@code a} and {@code b} be held together. Only tests
   * use it, to show that the invariant checkers catch a broken grant rule.
   */
  public Compatibility withExtraPair(LockMode a, LockMode b) {
    boolean[][] copy = new boolean[matrix.length][];
    for (int i = 0; i < matrix.length; i++) {
      copy[i] = matrix[i].clone();
    }
    copy[a.ordinal()][b.ordinal()] = true;
    copy[b.ordinal()][a.ordinal()] = true;
    return new Compatibility(copy);
  }

  public boolean isStandard() {
    return this == STANDARD;
  }
}
