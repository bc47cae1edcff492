package org.gfsj.fs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The metadata one filesystem operation changes, collected while it runs and committed to the
 * journal as one transaction when it ends ({@link Transactions}): the blocks it changed, the blocks
 * it freed (revoked in the journal, so that replay never writes an old image over their next use),
 * and the runs it freed in resource groups (not reusable until this transaction is durable).
 */
final class FsTransaction {
  /** Blocks a resource group freed in this transaction: {@code count} from data index {@code index}. */
  record FreedRun(ResourceGroup group, int index, int count) {}

  private final Set<BufferCache.Buffer> changed = new LinkedHashSet<>();
  private final Set<Long> revoked = new LinkedHashSet<>();
  private final List<FreedRun> freed = new ArrayList<>();
  private boolean orderedData;

  /** Marks {@code buffer} changed: its contents at commit time go to the journal. */
  void change(BufferCache.Buffer buffer) {
    revoked.remove(buffer.address);
    changed.add(buffer);
  }

  /** Revokes metadata block {@code address}, freed by this transaction. */
  void revoke(long address) {
    changed.removeIf(b -> b.address == address);
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

  Set<BufferCache.Buffer> changed() {
    return changed;
  }

  Set<Long> revoked() {
    return revoked;
  }

  List<FreedRun> freedRuns() {
    return freed;
  }

  boolean isEmpty() {
    return changed.isEmpty() && revoked.isEmpty() && freed.isEmpty();
  }
}
