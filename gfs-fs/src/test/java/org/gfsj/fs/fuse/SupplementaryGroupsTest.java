package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupplementaryGroupsTest {
  @TempDir Path proc;
  private final AtomicLong clock = new AtomicLong();

  private void status(int pid, String groups) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
    Files.writeString(dir.resolve("status"),
        "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nGroups:\t" + groups + "\nVmPeak:\t1 kB\n");
  }

  @Test
  void readsTheGroupsLineOfTheProcess() throws Exception {
    status(42, "4 24 27 4294967294 ");
    SupplementaryGroups g = new SupplementaryGroups(proc, clock::get);
    assertArrayEquals(new int[] {4, 24, 27, -2}, g.of(42, 1000, 1000));
  }

  @Test
  void aGoneProcessHasNoGroups() {
    SupplementaryGroups g = new SupplementaryGroups(proc, clock::get);
    assertArrayEquals(new int[0], g.of(77, 1000, 1000));
    assertArrayEquals(new int[0], g.of(0, 1000, 1000));
  }

  @Test
  void changedGroupsAreSeenOnceTheAnswerExpires() throws Exception {
    status(42, "10");
    SupplementaryGroups g = new SupplementaryGroups(proc, clock::get);
    assertArrayEquals(new int[] {10}, g.of(42, 1000, 1000));
    status(42, "10 11");
    clock.addAndGet(SupplementaryGroups.TTL_NANOS - 1);
    assertArrayEquals(new int[] {10}, g.of(42, 1000, 1000));
    clock.addAndGet(1);
    assertArrayEquals(new int[] {10, 11}, g.of(42, 1000, 1000));
    assertArrayEquals(new int[] {10, 11}, g.of(42, 1001, 1000), "another uid reads afresh");
  }
}
