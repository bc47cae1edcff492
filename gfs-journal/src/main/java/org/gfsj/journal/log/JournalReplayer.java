package org.gfsj.journal.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.gfsj.journal.device.BlockDevice;

/**
 * Replays a journal, this node's own at mount or a dead node's during recovery.
 *
 * <p>Algorithm: walk the log from the header's tail ({@link LogScanner}); note, for every block,
 * the highest sequence that revoked it and the newest image of it; write back each newest image
 * unless a later transaction revoked the block; flush; then write a clean header whose tail is the
 * head found. Until that header is written the log is untouched, so a crash during replay leaves a
 * journal that replays again to the same result: replay is idempotent.
 */
public final class JournalReplayer {
  private final JournalRegion region;

  public JournalReplayer(JournalRegion region) {
    this.region = region;
  }

  /** What a replay did. */
  public record Result(int transactions, int blocksWritten, long firstSequence, long lastSequence,
      boolean wasClean) {
    /** Whether the journal held anything to replay. */
    public boolean replayedAnything() {
      return transactions > 0;
    }
  }

  /** Whether the journal holds transactions that a replay would write back, without writing. */
  public boolean needsReplay() throws IOException {
    return !new LogScanner(region).scan().transactions().isEmpty();
  }

  public Result replay() throws IOException {
    LogScanner.Scan scan = new LogScanner(region).scan();
    Map<Long, Long> lastRevoke = new HashMap<>();
    Map<Long, NewestImage> newest = new HashMap<>();
    for (LogScanner.LoggedTransaction tx : scan.transactions()) {
      for (long revoked : tx.revokes()) {
        lastRevoke.merge(revoked, tx.sequence(), Math::max);
      }
      for (LogScanner.LoggedImage image : tx.images()) {
        newest.put(image.target(), new NewestImage(tx.sequence(), image));
      }
    }
    BlockDevice device = region.device();
    ByteBuffer block = ByteBuffer.allocateDirect(region.blockSize());
    int written = 0;
    for (Map.Entry<Long, NewestImage> e : newest.entrySet()) {
      long target = e.getKey();
      NewestImage img = e.getValue();
      Long revokedAt = lastRevoke.get(target);
      if (revokedAt != null && revokedAt > img.sequence()) {
        continue;
      }
      checkTarget(target);
      device.read(region.deviceBlock(img.image().position()), block.clear());
      device.write(target, block.clear());
      written++;
    }
    JournalHeader header = scan.header();
    boolean wasClean = header.clean() && scan.transactions().isEmpty();
    if (!wasClean) {
      device.flush();
      region.writeHeader(header.next(true, scan.head(), scan.nextSequence()));
    }
    long first = scan.transactions().isEmpty() ? 0 : scan.transactions().get(0).sequence();
    return new Result(scan.transactions().size(), written, first, scan.nextSequence() - 1, wasClean);
  }

  private void checkTarget(long target) throws JournalCorruptException {
    boolean inside = target >= region.firstBlock() && target < region.firstBlock() + region.blocks();
    if (target < 0 || target >= region.device().blockCount() || inside) {
      throw new JournalCorruptException(region.where() + ": a logged image targets block " + target
          + ", which is " + (inside ? "inside the journal itself" : "outside the device")
          + "; nothing was replayed past it; run fsck.gfsj");
    }
  }

  private record NewestImage(long sequence, LogScanner.LoggedImage image) {}
}
