package org.gfsj.lockd.client;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/**
 * Proves from a {@link GrantLog} that no two clients ever held one resource in incompatible
 * modes at once. It carries its own VMS table (from the DLM documentation), so it does not
 * trust the code it checks.
 */
final class GrantChecker {
  private static final String[] VMS_TABLE = {
    "111111", // NL
    "111110", // CR
    "111000", // CW
    "110100", // PR
    "110000", // PW
    "100000", // EX
  };

  private GrantChecker() {}

  static boolean compatible(LockMode a, LockMode b) {
    return VMS_TABLE[a.ordinal()].charAt(b.ordinal()) == '1';
  }

  /** Every pair of overlapping incompatible holds by different clients, described. */
  static List<String> violations(List<GrantLog.Hold> holds) {
    Map<ResourceName, List<GrantLog.Hold>> byResource = new HashMap<>();
    for (GrantLog.Hold h : holds) {
      byResource.computeIfAbsent(h.resource(), r -> new ArrayList<>()).add(h);
    }
    List<String> found = new ArrayList<>();
    for (List<GrantLog.Hold> list : byResource.values()) {
      list.sort(Comparator.comparingLong(GrantLog.Hold::from));
      // Sweep: compare each hold with the later-starting holds that begin before it ends.
      for (int i = 0; i < list.size(); i++) {
        GrantLog.Hold a = list.get(i);
        for (int j = i + 1; j < list.size() && list.get(j).from() < a.to(); j++) {
          GrantLog.Hold b = list.get(j);
          if (a.client() != b.client() && !compatible(a.mode(), b.mode())) {
            found.add(a.resource() + ": client " + a.client() + " held " + a.mode() + " ["
                + a.from() + ", " + a.to() + ") while client " + b.client() + " held "
                + b.mode() + " [" + b.from() + ", " + b.to() + ")");
          }
        }
      }
    }
    return found;
  }
}
