package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.junit.jupiter.api.Test;

class GrantCheckerTest {
  private static final ResourceName R = new ResourceName(1, 1);

  private static GrantLog.Hold hold(int client, LockMode mode, long from, long to) {
    return new GrantLog.Hold(client, R, mode, from, to);
  }

  @Test
  void overlappingIncompatibleHoldsAreReported() {
    assertEquals(1, GrantChecker.violations(List.of(
        hold(1, LockMode.EX, 0, 10), hold(2, LockMode.PR, 9, 20))).size());
    assertEquals(1, GrantChecker.violations(List.of(
        hold(1, LockMode.PR, 0, 100), hold(3, LockMode.CR, 1, 2), hold(2, LockMode.PW, 50, 60)))
        .size());
  }

  @Test
  void handoffsCompatibleSharersAndOneClientsConversionsAreFine() {
    assertEquals(List.of(), GrantChecker.violations(List.of(
        hold(1, LockMode.EX, 0, 10), hold(2, LockMode.EX, 10, 20),
        hold(3, LockMode.PR, 20, 30), hold(4, LockMode.PR, 21, 31),
        hold(4, LockMode.EX, 31, 40), hold(4, LockMode.PR, 40, 41),
        hold(5, LockMode.NL, 0, 50))));
  }
}
