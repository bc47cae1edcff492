package org.gfsj.fs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Metadata changes collected for the journal: the blocks changed, the blocks freed (revoked in the
 * journal, so that replay never writes an old image over their next use), and the runs freed in
 * resource groups (not reusable until the commit is durable).
 *
 * <p>Each operation collects its own; when it ends, {@link Transactions} folds it into the running
 * transaction ({@link #absorb}), which many operations share until it is committed, as jbd2's
 * running transaction is.
 */
final class FsTransaction {
  /** Blocks a resource group freed in this transaction: {@code count} from data index {@code index}. */
  record FreedRun(ResourceGroup group, int index, int count) {}

  private final LinkedHashMap<Long, BufferCache.Buffer> changed = new LinkedHashMap<>();
  private final Set<Long> revoked = new LinkedHashSet<>();
  private final List<FreedRun> freed = new ArrayList<>();
  private boolean orderedData;

  /**
   * Marks {@code buffer} changed: its contents at commit time go to the journal. Until then the
   * cache must keep it (it is dirty).
   */
  void change(BufferCache.Buffer buffer) {
    revoked.remove(buffer.address);
    changed.put(buffer.address, buffer);
    buffer.dirty = true;
  }

  /** Revokes metadata block {@code address}, freed by this transaction. */
  void revoke(long address) {
    changed.remove(address);
    revoked.add(address);
  }

  /**
   * Notes that file data went in place into blocks this transaction allocates: the journal must
   * make it durable before the commit that maps them, or a crash could expose their old contents.
   */
  void wroteIntoNewBlocks() {
    orderedData = true;
  }

  boolean hasOrderedData() {
    return orderedData;
  }

  void freed(ResourceGroup group, int index, int count) {
    freed.add(new FreedRun(group, index, count));
  }

  /**
   * Adds a later transaction's changes to this one. A block the later one changes is no longer
   * revoked here, and one it revokes is no longer logged: the later state of each block wins.
   */
  void absorb(FsTransaction later) {
    for (BufferCache.Buffer b : later.changed.values()) {
      change(b);
    }
    for (long address : later.revoked) {
      revoke(address);
    }
    freed.addAll(later.freed);
    orderedData |= later.orderedData;
  }

  Collection<BufferCache.Buffer> changed() {
    return changed.values();
  }

  Set<Long> revoked() {
    return revoked;
  }

  List<FreedRun> freedRuns() {
    return freed;
  }

  /** Journal blocks this transaction needs at most, not counting descriptors. */
  int blocks() {
    return changed.size() + revoked.size();
  }

  /** Forgets everything, for reuse once {@link Transactions#join} has taken the changes. */
  void clear() {
    changed.clear();
    revoked.clear();
    freed.clear();
    orderedData = false;
  }

  boolean isEmpty() {
    return changed.isEmpty() && revoked.isEmpty() && freed.isEmpty();
  }
}
