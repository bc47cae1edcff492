package org.gfsj.tools.lockd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gfsj.tools.GfsTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lock benchmark stopped from outside (Ctrl-C, kill) takes its lockd peers with it. */
class LockdBenchStopTest {
  @TempDir Path tmp;

  @Test
  void aStoppedBenchLeavesNoPeerRunning() throws Exception {
    Process bench = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
        GfsTool.class.getName(), "lockd", "bench", "--clients", "1", "--seconds", "600")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("bench.log").toFile()).start();
    List<ProcessHandle> peers = List.of();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (peers.size() < 3 && System.nanoTime() < deadline && bench.isAlive()) {
        peers = bench.descendants().toList();
        Thread.sleep(50);
      }
      assertEquals(3, peers.size(), "the bench did not start its three peers: " + peers);

      bench.destroy();
      assertTrue(bench.waitFor(30, TimeUnit.SECONDS), "the bench ignored SIGTERM");
      for (ProcessHandle peer : peers) {
        try {
          peer.onExit().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          fail("peer " + peer.pid() + " outlived the bench by 30 s");
        }
      }
    } finally {
      bench.destroyForcibly();
      peers.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
