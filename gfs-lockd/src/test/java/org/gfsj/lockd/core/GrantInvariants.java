package org.gfsj.lockd.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An independent check of a lock space's invariants. It carries its own copy of the VMS matrix,
 * written from the DLM documentation and not from {@link Compatibility}, so that a bug there is
 * caught here.
 */
final class GrantInvariants {
  /** "1" where row mode and column mode may be held together; order NL CR CW PR PW EX. */
  private static final String[] VMS_TABLE = {
    "111111", // NL
    "111110", // CR
    "111000", // CW
    "110100", // PR
    "110000", // PW
    "100000", // EX
  };

  static boolean compatible(LockMode a, LockMode b) {
    return VMS_TABLE[a.ordinal()].charAt(b.ordinal()) == '1';
  }

  static List<String> violations(LockSpace space) {
    List<String> found = new ArrayList<>();
    for (Resource r : space.resources()) {
      List<Holder> granted = new ArrayList<>(r.grantedHolders());
      for (int i = 0; i < granted.size(); i++) {
        Holder a = granted.get(i);
        if (a.granted() == null) {
          found.add(r.name() + ": holder " + a.owner() + " in granted queue without a mode");
        }
        for (int j = i + 1; j < granted.size(); j++) {
          Holder b = granted.get(j);
          if (!compatible(a.granted(), b.granted())) {
            found.add(r.name() + ": " + a.owner() + " holds " + a.granted() + " while "
                + b.owner() + " holds " + b.granted());
          }
        }
      }
      Set<Long> owners = new HashSet<>();
      for (Holder h : r.grantedHolders()) {
        owners.add(h.owner());
      }
      for (Holder h : r.convertingHolders()) {
        if (!owners.contains(h.owner()) || h.requested() == null) {
          found.add(r.name() + ": converter " + h.owner() + " is not a granted holder");
        }
      }
      for (Holder h : r.waitingHolders()) {
        if (!owners.add(h.owner()) || h.granted() != null || h.requested() == null) {
          found.add(r.name() + ": waiter " + h.owner() + " is malformed or duplicated");
        }
      }
    }
    return found;
  }
}
