package org.gfsj.lockd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gfsj.lockd.core.Answer.Status;
import org.junit.jupiter.api.Test;

/**
 * Random lock, convert and unlock traffic from a few owners on a few resources, checking the
 * invariants after every step and, at the end, that every queued request was granted once the
 * others let go.
 */
class RandomScheduleTest {
  private static final int OWNERS = 6;
  private static final int RESOURCES = 3;
  private static final int STEPS = 20_000;

  @Test
  void standardRulesKeepEveryInvariantAndServeEveryRequest() {
    for (long seed = 1; seed <= 5; seed++) {
      List<String> violations = run(new LockSpace(), seed);
      assertEquals(List.of(), violations, "seed " + seed);
    }
  }

  @Test
  void aBrokenCompatibilityRuleIsCaught() {
    LockSpace broken =
        new LockSpace(Compatibility.STANDARD.withExtraPair(LockMode.PR, LockMode.PW));
    List<String> violations = run(broken, 1);
    assertFalse(violations.isEmpty(), "the checker missed a PR+PW grant");
  }

  /** Returns the first invariant violations seen, or nothing. */
  private static List<String> run(LockSpace space, long seed) {
    Random random = new Random(seed);
    Map<Long, Integer> grantsSeen = new HashMap<>();
    Outbox counting = new Outbox() {
      @Override
      public void granted(long owner, ResourceName r, LockMode m, byte[] v, boolean ok) {
        grantsSeen.merge(owner, 1, Integer::sum);
      }

      @Override
      public void blocking(long owner, ResourceName r, LockMode wanted) {}
    };
    for (long owner = 1; owner <= OWNERS; owner++) {
      space.register(owner, "n" + owner, 1_000);
    }
    LockMode[] modes = LockMode.values();
    for (int step = 0; step < STEPS; step++) {
      long owner = 1 + random.nextInt(OWNERS);
      ResourceName name = new ResourceName(1, random.nextInt(RESOURCES));
      Resource r = space.resource(name);
      Holder h = r == null ? null : r.holder(owner);
      LockMode mode = modes[random.nextInt(modes.length)];
      boolean noQueue = random.nextInt(4) == 0;
      if (h == null) {
        space.lock(owner, name, mode, noQueue, counting);
      } else if (h.granted() != null && h.requested() == null && random.nextBoolean()) {
        Status s = space.convert(owner, name, mode, noQueue, new byte[] {(byte) step}, counting)
            .status();
        if (s == Status.REFUSED) {
          return List.of("convert refused for a granted holder at step " + step);
        }
      } else {
        space.unlock(owner, name, null, counting);
      }
      List<String> v = GrantInvariants.violations(space);
      if (!v.isEmpty()) {
        return v;
      }
    }
    // Everyone lets go of what is granted; every queued request must then be granted in turn.
    for (int round = 0; round < OWNERS * RESOURCES + 1; round++) {
      for (Resource r : new ArrayList<>(space.resources())) {
        for (Holder h : new ArrayList<>(r.grantedHolders())) {
          if (h.requested() == null) {
            space.unlock(h.owner(), r.name(), null, counting);
          }
        }
      }
    }
    for (Resource r : space.resources()) {
      if (!r.waitingHolders().isEmpty() || !r.convertingHolders().isEmpty()) {
        return List.of(r.name() + " still has requests waiting after everybody let go");
      }
    }
    return List.of();
  }
}
