package org.gfsj.fs;

import java.io.IOException;
import org.gfsj.journal.device.BlockDevice;

/**
 * Chooses the journal slot a read-write mount writes, and keeps the other mounts of the device on
 * this host out of it: each slot has its own host lock ({@link BlockDevice#lockJournalSlot}),
 * held while the mount's device is open and dropped by the kernel when the mount process dies.
 * {@code journal=N} takes slot N or fails; without it the mount takes the first free slot.
 */
final class JournalSlots {
  private JournalSlots() {}

  /** Locks slot {@code wanted} (negative: the first free one) of {@code slots}; returns it. */
  static int take(BlockDevice device, int wanted, int slots) throws IOException {
    if (wanted >= 0) {
      if (!device.lockJournalSlot(wanted)) {
        throw new IOException(device.name() + ": journal " + wanted + " is in use by another"
            + " mount of this filesystem on this host; choose a free slot with -o journal=N, or"
            + " leave journal= out to take the first free one");
      }
      return wanted;
    }
    for (int s = 0; s < slots; s++) {
      if (device.lockJournalSlot(s)) {
        return s;
      }
    }
    throw new IOException(device.name() + ": all " + slots + " journal(s) are in use by mounts"
        + " of this filesystem on this host; unmount one, or add a journal with gfs-tool jadd");
  }

  /**
   * For a nolock mount, which must be the only one writing: locks every slot, so that no other
   * mount of the device on this host can write beside it (nothing would keep their caches
   * coherent), and writes slot {@code wanted} (negative: slot 0).
   */
  static int takeAll(BlockDevice device, int wanted, int slots) throws IOException {
    for (int s = 0; s < slots; s++) {
      if (!device.lockJournalSlot(s)) {
        throw new IOException(device.name() + ": another mount of this filesystem on this host"
            + " holds journal " + s + "; with lockproto=nolock only one mount may write (as with"
            + " GFS2's lock_nolock): unmount the other, or mount read-only (-o ro)");
      }
    }
    return Math.max(0, wanted);
  }
}
