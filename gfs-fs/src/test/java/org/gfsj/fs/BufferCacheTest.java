package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Map;
import org.gfsj.fs.lock.LockName;
import org.gfsj.fs.lock.NolockModule;
import org.gfsj.journal.device.MemoryBlockDevice;
import org.gfsj.journal.log.JournalRegion;
import org.gfsj.journal.log.JournalWriter;
import org.gfsj.journal.log.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The write-back side of the buffer cache, against a real journal on a memory device. */
class BufferCacheTest {
  private static final int BS = 4096;
  private static final long BLOCK = 200;

  private final MemoryBlockDevice disk = new MemoryBlockDevice("cache.img", BS, 256);
  private final Glock glock = new Glocks(new NolockModule(), new Glock.Operations() {
    @Override
    public void sync(Glock g) {}

    @Override
    public void invalidate(Glock g) {}
  }, 16).get(LockName.Type.INODE, BLOCK);

  /**
   * A commit's completion that arrives after a newer commit's (completions out of log order) must
   * not replace the newer committed image: written back, the older image would bring back
   * overwritten contents, and its sequence would leave the newer transaction pinned forever, so
   * that the next full log waits for a write-back that never comes (the unmount that hung in
   * waitForCommits). The filler loop below hangs without the sequence check in
   * BufferCache.committed.
   */
  @Test
  @Timeout(30)
  void aLateCompletionOfAnOlderImageIsIgnored() throws Exception {
    JournalRegion region = new JournalRegion(disk, 0, 64, "journal 0");
    JournalRegion.format(region);
    BufferCache cache = new BufferCache(disk, 100, e -> fail(e));
    try (JournalWriter journal = JournalWriter.open(region, cache)) {
      cache.attach(journal);
      BufferCache.Buffer b = cache.fresh(BLOCK, glock);
      b.data.putInt(0, 1);
      ByteBuffer first = cache.snapshotForLog(b);
      long firstSequence = journal.commit(new Transaction().log(BLOCK, first.duplicate()));
      b.data.putInt(0, 2);
      ByteBuffer second = cache.snapshotForLog(b);
      long secondSequence = journal.commit(new Transaction().log(BLOCK, second.duplicate()));

      cache.committed(Map.of(b, second), secondSequence);
      cache.committed(Map.of(b, first), firstSequence);
      cache.writeBack();

      ByteBuffer onDisk = ByteBuffer.allocate(BS);
      disk.read(BLOCK, onDisk);
      assertEquals(2, onDisk.getInt(0), "the newest committed image is the one written in place");
      assertTrue(journal.pinned().isEmpty(), "nothing stays pinned: " + journal.pinned());
      // Go round the log several times: each lap needs the tail to move past both commits.
      ByteBuffer filler = ByteBuffer.allocate(BS);
      for (int i = 0; i < 64; i++) {
        journal.commit(new Transaction().log(BLOCK + 1, filler.duplicate()));
        journal.writtenBack(BLOCK + 1, Long.MAX_VALUE);
      }
    }
  }
}
