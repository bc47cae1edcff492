package org.gfsj.lockd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompatibilityTest {

  @Test
  void standardMatrixIsTheVmsTable() {
    for (LockMode a : LockMode.values()) {
      for (LockMode b : LockMode.values()) {
        assertEquals(GrantInvariants.compatible(a, b), Compatibility.STANDARD.compatible(a, b),
            a + " with " + b);
      }
    }
  }

  @Test
  void nullModeIsCompatibleWithEverythingAndExclusiveOnlyWithNull() {
    for (LockMode m : LockMode.values()) {
      assertTrue(Compatibility.STANDARD.compatible(LockMode.NL, m));
      assertEquals(m == LockMode.NL, Compatibility.STANDARD.compatible(LockMode.EX, m));
    }
  }

  @Test
  void brokenMatrixDiffersOnlyInTheAddedPair() {
    Compatibility broken = Compatibility.STANDARD.withExtraPair(LockMode.PR, LockMode.PW);
    assertTrue(broken.compatible(LockMode.PW, LockMode.PR));
    assertFalse(broken.isStandard());
    assertFalse(broken.compatible(LockMode.EX, LockMode.PR));
  }
}
