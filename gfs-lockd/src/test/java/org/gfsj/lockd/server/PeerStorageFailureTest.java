package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gfsj.lockd.client.Grant;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.PeerProcesses;
import org.gfsj.lockd.testing.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * A peer whose data directory fails it: full, it stops, saying why, and the other two go on
 * without it (Ratis used to close such a peer's log and keep it in the group, where it could
 * commit nothing and, leading, held every client up); with a damaged log it refuses to start,
 * saying what to do, and doing that brings it back.
 */
class PeerStorageFailureTest {
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
  void aPeerWhoseLogCannotBeWrittenStopsAndTheOthersGoOn() throws Exception {
    Path data = dir.resolve("data");
    // Room for the peer's copy of RocksDB's library and 1 MiB, not for the 4 MB that Ratis
    // reserves for its first log segment.
    long room = rocksLibraryBytes() + (1 << 20);
    tmpfs = Tmpfs.mount(data.resolve("n1"), "size=" + (room / 1024 + 1) + "k");
    peers = new PeerProcesses(data, Path.of("target", "peer-logs",
        "full-disk-" + System.currentTimeMillis()), 3, List.of());
    peers.ids().forEach(peers::start);

    Integer exit = peers.awaitExit("n1", Duration.ofSeconds(60));
    String log = Files.readString(peers.log("n1"));
    assertEquals(1, exit, log);
    assertTrue(log.contains("gfs-lockd: peer n1 stops: its Raft log in " + tmpfs.path()
        + " cannot be written (No space left on device); free space there"), log);

    peers.awaitReady("n2");
    peers.awaitReady("n3");
    lockAndUnlock("after-n1", 1);
  }

  @Test
  void aPeerWithADamagedLogSaysWhatToDoAndCatchesUpOnceDone() throws Exception {
    Path data = dir.resolve("data");
    peers = new PeerProcesses(data, Path.of("target", "peer-logs",
        "damaged-log-" + System.currentTimeMillis()), 3, List.of());
    peers.startAll();
    lockAndUnlock("before", 20);
    String leader = peers.awaitLeader(Duration.ofSeconds(60), "a leader");
    String victim = peers.ids().stream().filter(id -> !id.equals(leader)).findFirst()
        .orElseThrow();
    peers.kill(victim);
    Path segment;
    try (Stream<Path> files = Files.walk(data.resolve(victim))) {
      segment = files.filter(p -> p.getFileName().toString().startsWith("log_"))
          .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
    }
    // Into the first entries, past the segment's header; the rest of the file is padding.
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}),
          64);
    }

    peers.start(victim);
    Integer exit = peers.awaitExit(victim, Duration.ofSeconds(60));
    String log = Files.readString(peers.log(victim));
    assertEquals(1, exit, log);
    assertTrue(log.contains("gfs-lockd: peer " + victim + " cannot start: "), log);
    assertTrue(log.contains("; the Raft log in " + data.resolve(victim) + " is damaged: move "
        + data.resolve(victim) + " aside and start this peer with an empty one"), log);

    Files.move(data.resolve(victim), dir.resolve(victim + ".damaged"));
    peers.start(victim);
    peers.awaitReady(victim);
    lockAndUnlock("after", 1);
    Await.until(Duration.ofSeconds(60), victim + " in step with the leader", () -> {
      try {
        PeerStatus a = peers.status(leader);
        PeerStatus b = peers.status(victim);
        return a.getAppliedIndex() == b.getAppliedIndex()
            && a.getStateDigest().equals(b.getStateDigest());
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** {@code pairs} lock+unlock pairs of one node on one resource, through any peer. */
  private void lockAndUnlock(String node, int pairs) throws Exception {
    ResourceName resource = new ResourceName(1, 1);
    try (LockdClient client = LockdClient.connect(
        LockdClientConfig.defaults(peers.clientAddresses(), node), new LockdListener() {})
        .get(60, TimeUnit.SECONDS)) {
      for (int i = 0; i < pairs; i++) {
        Grant grant = client.lock(resource, LockMode.EX, false).get(60, TimeUnit.SECONDS);
        assertEquals(LockMode.EX, grant.mode());
        client.unlock(resource, null).get(60, TimeUnit.SECONDS);
      }
    }
  }

  private static long rocksLibraryBytes() throws Exception {
    return RocksDB.class.getClassLoader()
        .getResource(Environment.getJniLibraryFileName("rocksdb")).openConnection()
        .getContentLengthLong();
  }
}
