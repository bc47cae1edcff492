package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.Dinode;
import org.gfsj.fs.format.StatfsChange;
import org.gfsj.fs.lock.LockMode;
import org.gfsj.fs.lock.LockName;

/**
 * The filesystem's totals for statfs(2), kept as GFS2 keeps them (super.c's statfs_change and
 * statfs_sync): the master file {@code statfs} holds the totals as last folded in, and this mount's
 * slot file {@code per_node/statfs_changeN} its signed deltas since. Every allocation and free
 * changes the local deltas inside the same transaction that changes the bitmaps, so after any
 * crash and replay, master plus the deltas of every slot equals what the bitmaps count. Nodes
 * that allocate at once each write their own delta block and never contend on one.
 *
 * <p>The deltas are folded into the master (master += local, local = 0, one transaction) at
 * unmount and when they pass 1% of the filesystem; a nolock mount also folds what every slot's
 * file holds when it starts (the remains of mounts that crashed), since no other node can be
 * using them. statfs() is then master + local from memory: no resource group is read.
 *
 * <p>In a cluster another node's deltas reach this node's statfs() once they are folded, as in
 * GFS2; the slot files of other nodes are read only at mount. The caller serialises calls (the
 * mount's operation lock).
 */
final class Statfs {
  /** The deltas are folded once they pass this share of the filesystem's data blocks. */
  private static final int FOLD_PERCENT = 1;

  private final BufferCache cache;
  private final Glocks glocks;
  private final long master;
  private final long local;
  /** The glock of {@code local}, which every allocation and free writes: not looked up each time. */
  private final Glock localGlock;
  /** Every slot's file, this mount's included, in slot order. */
  private final List<Long> slots;
  private StatfsChange masterTotals;
  private StatfsChange localDeltas;
  /** Other slots' deltas as found at mount (none once a nolock mount folded them). */
  private StatfsChange otherDeltas;

  private Statfs(BufferCache cache, Glocks glocks, long master, long local, List<Long> slots) {
    this.cache = cache;
    this.glocks = glocks;
    this.master = master;
    this.local = local;
    this.localGlock = glock(glocks, local);
    this.slots = slots;
  }

  /**
   * Reads the master and every slot's deltas through the cache; the mount keeps its own slot's
   * file locked for its lifetime, as its journal.
   */
  static Statfs open(FileSystemReader reader, int slot, int slotCount, BufferCache cache,
      Glocks glocks) throws IOException {
    long perNode = reader.systemFile("per_node");
    List<Long> slots = new ArrayList<>();
    for (int i = 0; i < slotCount; i++) {
      slots.add(reader.lookup(perNode, "statfs_change" + i));
    }
    Statfs s = new Statfs(cache, glocks, reader.systemFile("statfs"), slots.get(slot), slots);
    glock(glocks, s.local).hold(LockMode.EX);
    s.masterTotals = s.read(s.master);
    s.localDeltas = s.read(s.local);
    StatfsChange others = new StatfsChange(0, 0, 0);
    for (long file : slots) {
      if (file != s.local) {
        // from the device, not the cache: the file is another node's, and only read here
        others = plus(others, reader.statfs(file));
      }
    }
    s.otherDeltas = others;
    return s;
  }

  private static Glock glock(Glocks glocks, long file) {
    return glocks.get(LockName.Type.INODE, file);
  }

  /**
   * Checks a statfs file's dinode as it comes from the device. Only then: a block this operation
   * changed carries its new CRC only once the transaction seals it.
   */
  private static void checkFile(ByteBuffer data, long address) throws CorruptMetadataException {
    Dinode d = Dinode.decode(data, address);
    if (d.height() != 0 || d.size() < StatfsChange.SIZE) {
      throw new CorruptMetadataException(address, "a statfs file must hold its record in its"
          + " dinode");
    }
  }

  private StatfsChange read(long file) throws IOException {
    BufferCache.Buffer b = cache.read(file, glock(glocks, file), Statfs::checkFile);
    return StatfsChange.decode(b.data, Dinode.DATA_OFFSET, file);
  }

  private void write(FsTransaction tx, long file, StatfsChange record) throws IOException {
    Glock g = file == local ? localGlock : glock(glocks, file);
    BufferCache.Buffer b = cache.read(file, g, Statfs::checkFile);
    record.encode(b.data, Dinode.DATA_OFFSET);
    tx.change(b);
  }

  private static StatfsChange plus(StatfsChange a, StatfsChange b) {
    return new StatfsChange(a.total() + b.total(), a.free() + b.free(),
        a.dinodes() + b.dinodes());
  }

  /** What statfs(2) reports: total and free data blocks, and dinodes. */
  synchronized StatfsChange totals() {
    return plus(plus(masterTotals, localDeltas), otherDeltas);
  }

  /** Records an allocation or free of {@code tx}: {@code free} and {@code dinodes} are signed. */
  synchronized void change(FsTransaction tx, long free, long dinodes) throws IOException {
    localDeltas = new StatfsChange(localDeltas.total(), localDeltas.free() + free,
        localDeltas.dinodes() + dinodes);
    long limit = Math.max(1, masterTotals.total() * FOLD_PERCENT / 100);
    if (Math.abs(localDeltas.free()) >= limit || Math.abs(localDeltas.dinodes()) >= limit) {
      fold(tx);
    } else {
      write(tx, local, localDeltas);
    }
  }

  /** Folds this mount's deltas into the master, in {@code tx}. */
  synchronized void fold(FsTransaction tx) throws IOException {
    if (localDeltas.equals(new StatfsChange(0, 0, 0))) {
      return;
    }
    Glock g = glock(glocks, master);
    g.hold(LockMode.EX);
    try {
      masterTotals = plus(read(master), localDeltas);
      localDeltas = new StatfsChange(0, 0, 0);
      write(tx, master, masterTotals);
      write(tx, local, localDeltas);
    } finally {
      g.release();
    }
  }

  /**
   * Folds every slot's deltas into the master, in {@code tx}: only when no other node can be
   * mounted (nolock), at mount, for what crashed mounts left behind.
   */
  synchronized void foldEverySlot(FsTransaction tx) throws IOException {
    for (long file : slots) {
      if (file == local) {
        continue;
      }
      Glock g = glock(glocks, file);
      g.hold(LockMode.EX);
      try {
        StatfsChange deltas = read(file);
        if (!deltas.equals(new StatfsChange(0, 0, 0))) {
          localDeltas = plus(localDeltas, deltas);
          write(tx, file, new StatfsChange(0, 0, 0));
        }
      } finally {
        g.release();
      }
    }
    otherDeltas = new StatfsChange(0, 0, 0);
    fold(tx);
  }
}
