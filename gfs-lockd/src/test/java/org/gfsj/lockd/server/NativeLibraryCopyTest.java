package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.gfsj.lockd.testing.PeerProcesses;
import org.gfsj.lockd.testing.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer killed again and again keeps one copy of RocksDB's native library, in its data
 * directory; left to RocksDB, every start added a 15 MB copy to the temporary directory that
 * only a normal exit removed.
 */
class NativeLibraryCopyTest {
  @TempDir Path dir;
  private PeerProcesses peers;
  private Tmpfs tmpfs;

  @AfterEach
  void stop() throws Exception {
    if (peers != null) {
      peers.close();
    }
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  @Test
  void aKilledPeerLeavesNoCopyOfRocksDbBehind() throws Exception {
    peers = new PeerProcesses(dir.resolve("data"),
        Path.of("target", "peer-logs", "native-library-" + System.currentTimeMillis()), 1,
        List.of());
    peers.startAll();
    for (int start = 1; start <= 3; start++) {
      peers.awaitLeader(Duration.ofSeconds(60), "peer n1 leading after start " + start);
      peers.kill("n1");
      if (start < 3) {
        peers.start("n1");
        peers.awaitReady("n1");
      }
    }
    assertEquals(List.of(), rocksLibraries(peers.tmpDir("n1")), "copies in java.io.tmpdir");
    assertEquals(1, rocksLibraries(dir.resolve("data").resolve("n1")).size(),
        "copies in the data directory");
  }

  @Test
  void aDataDirectoryOnANoexecMountIsRefusedSayingSo() throws Exception {
    Path data = dir.resolve("data");
    tmpfs = Tmpfs.mount(data.resolve("n1"), "noexec,size=64m");
    peers = new PeerProcesses(data,
        Path.of("target", "peer-logs", "noexec-" + System.currentTimeMillis()), 1, List.of());
    peers.start("n1");
    Integer exit = peers.awaitExit("n1", Duration.ofSeconds(60));
    String log = Files.readString(peers.log("n1"));
    assertEquals(1, exit, log);
    assertTrue(log.contains("gfs-lockd: peer n1 cannot start: cannot load RocksDB's native "
        + "library copied into " + tmpfs.path()), log);
    assertTrue(log.contains("is not on a noexec mount"), log);
  }

  private static List<Path> rocksLibraries(Path where) throws IOException {
    try (Stream<Path> files = Files.list(where)) {
      return files.filter(p -> p.getFileName().toString().startsWith("librocksdbjni")).toList();
    }
  }
}
