package org.gfsj.fs.fsck;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.BlockState;
import org.gfsj.fs.format.CorruptMetadataException;
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

  /** What a pass does with one block of the data areas. */
  interface BlockAction {
    void accept(long address) throws IOException;
  }

  /**
   * Calls {@code action} for every data block whose bitmap state is one of {@code states}, in
   * address order. A group whose bitmap does not read back is left out: pass 5 reports it.
   */
  void eachBlock(FileSystemReader fs, Set<BlockState> states, BlockAction action)
      throws IOException {
    for (ResourceGroupIndexEntry g : groups) {
      BlockState[] bitmap;
      try {
        bitmap = fs.bitmap(g);
      } catch (CorruptMetadataException e) {
        continue;
      }
      for (int i = 0; i < bitmap.length; i++) {
        if (states.contains(bitmap[i])) {
          action.accept(g.dataStart() + i);
        }
      }
    }
  }

  /** Whether every block of the run lies in one group's data area. */
  boolean inDataArea(long first, long count) {
    ResourceGroupIndexEntry g = holding(first);
    return g != null && count >= 1 && first + count <= g.end();
  }
}
