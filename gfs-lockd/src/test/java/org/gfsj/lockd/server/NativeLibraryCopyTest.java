package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gfsj.lockd.testing.FreePorts;
import org.gfsj.lockd.testing.PeerProcesses;
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

  @AfterEach
  void stop() {
    if (peers != null) {
      peers.close();
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
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting tmpfs needs root");
    Path mount = Files.createDirectories(dir.resolve("noexec"));
    run("mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", mount.toString());
    try {
      String classpath = System.getProperty("surefire.test.class.path",
          System.getProperty("java.class.path"));
      Process peer = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
          "-cp", classpath, LockdServer.class.getName(), "--id", "n1",
          "--peers", "n1=127.0.0.1:" + FreePorts.pair(), "--dir", mount.resolve("n1").toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(dir.resolve("n1.stderr").toFile()).start();
      try {
        assertTrue(peer.waitFor(60, TimeUnit.SECONDS), "the peer did not exit");
        String stderr = Files.readString(dir.resolve("n1.stderr"));
        assertEquals(1, peer.exitValue(), stderr);
        assertTrue(stderr.contains("gfs-lockd: peer n1 cannot start: cannot load RocksDB's "
            + "native library copied into " + mount.resolve("n1")), stderr);
        assertTrue(stderr.contains("is not on a noexec mount"), stderr);
      } finally {
        peer.destroyForcibly();
      }
    } finally {
      run("umount", mount.toString());
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
  }

  private static List<Path> rocksLibraries(Path where) throws IOException {
    try (Stream<Path> files = Files.list(where)) {
      return files.filter(p -> p.getFileName().toString().startsWith("librocksdbjni")).toList();
    }
  }
}
