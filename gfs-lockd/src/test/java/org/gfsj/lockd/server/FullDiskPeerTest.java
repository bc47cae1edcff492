package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.Grant;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * A peer whose data directory is full stops, saying why, and the other two go on without it.
 * Ratis used to close such a peer's log and keep it in the group, where it could commit
 * nothing and, leading, held every client up.
 */
class FullDiskPeerTest {
  @TempDir Path dir;
  private PeerProcesses peers;
  private Path mount;

  @AfterEach
  void stop() throws Exception {
    if (peers != null) {
      peers.close();
    }
    if (mount != null) {
      run("umount", mount.toString());
    }
  }

  @Test
  void aPeerWhoseLogCannotBeWrittenStopsAndTheOthersGoOn() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting tmpfs needs root");
    Path data = dir.resolve("data");
    Path candidate = Files.createDirectories(data.resolve("n1"));
    // Room for the peer's copy of RocksDB's library and 1 MiB, not for the 4 MB that Ratis
    // reserves for its first log segment.
    long room = rocksLibraryBytes() + (1 << 20);
    run("mount", "-t", "tmpfs", "-o", "size=" + (room / 1024 + 1) + "k", "tmpfs",
        candidate.toString());
    mount = candidate;
    peers = new PeerProcesses(data, Path.of("target", "peer-logs",
        "full-disk-" + System.currentTimeMillis()), 3, List.of());
    peers.ids().forEach(peers::start);

    Integer exit = peers.awaitExit("n1", Duration.ofSeconds(60));
    String log = Files.readString(peers.log("n1"));
    assertEquals(1, exit, log);
    assertTrue(log.contains("gfs-lockd: peer n1 stops: its Raft log in " + mount
        + " cannot be written (No space left on device); free space there"), log);

    peers.awaitReady("n2");
    peers.awaitReady("n3");
    ResourceName resource = new ResourceName(1, 1);
    try (LockdClient client = LockdClient.connect(
        LockdClientConfig.defaults(peers.clientAddresses(), "after-n1"), new LockdListener() {})
        .get(60, TimeUnit.SECONDS)) {
      Grant grant = client.lock(resource, LockMode.EX, false).get(60, TimeUnit.SECONDS);
      assertEquals(LockMode.EX, grant.mode());
      client.unlock(resource, null).get(60, TimeUnit.SECONDS);
    }
  }

  private static long rocksLibraryBytes() throws Exception {
    return RocksDB.class.getClassLoader()
        .getResource(Environment.getJniLibraryFileName("rocksdb")).openConnection()
        .getContentLengthLong();
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
  }
}
