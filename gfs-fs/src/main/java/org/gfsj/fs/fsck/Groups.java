package org.gfsj.fs.fsck;

import java.util.List;
import org.gfsj.fs.format.ResourceGroupIndexEntry;

/** The resource groups in address order, to find which group's data area holds a block. */
final class Groups {
  private final List<ResourceGroupIndexEntry> groups;

  Groups(List<ResourceGroupIndexEntry> groups) {
    this.groups = List.copyOf(groups);
  }

  List<ResourceGroupIndexEntry> all() {
    return groups;
  }

  /** The group whose data area holds {@code block}, or null: a binary search, not a scan. */
  ResourceGroupIndexEntry holding(long block) {
    int lo = 0;
    int hi = groups.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      ResourceGroupIndexEntry g = groups.get(mid);
      if (block < g.address()) {
        hi = mid - 1;
      } else if (block >= g.end()) {
        lo = mid + 1;
      } else {
        return block >= g.dataStart() ? g : null;
      }
    }
    return null;
  }

  /** Whether every block of the run lies in one group's data area. */
  boolean inDataArea(long first, long count) {
    ResourceGroupIndexEntry g = holding(first);
    return g != null && count >= 1 && first + count <= g.end();
  }
}
