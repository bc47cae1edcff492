package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.state.LogApplier;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three Ratis peers in this JVM: a peer restarted from snapshot + log equals the others. */
class ReplicaRestartTest {
  private static final long SNAPSHOT_EVERY = 40;

  @TempDir Path dir;
  private final Map<String, Replica> replicas = new HashMap<>();
  private PeerList peers;

  @AfterEach
  void closeAll() throws Exception {
    for (Replica r : replicas.values()) {
      r.close();
    }
  }

  private Replica start(String id) throws Exception {
    Replica r = new Replica(id, peers, dir.resolve(id), "test", Compatibility.STANDARD,
        SNAPSHOT_EVERY, RaftTransport.PLAIN);
    r.start();
    replicas.put(id, r);
    return r;
  }

  /** Where peer {@code id} keeps its snapshots: the group directory's sm/. */
  private Path stateMachineDir(String id) throws IOException {
    try (Stream<Path> groups = Files.list(dir.resolve(id))) {
      return groups.filter(Files::isDirectory).findFirst().orElseThrow().resolve("sm");
    }
  }

  private static byte[] digest(Replica r) {
    return r.stateMachine().read(LogApplier::digest);
  }

  private static long applied(Replica r) {
    return r.stateMachine().getLastAppliedTermIndex().getIndex();
  }

  private void awaitSameIndex() {
    Await.until(Duration.ofSeconds(30), "all peers applying the same last entry", () -> {
      long first = -2;
      for (Replica r : replicas.values()) {
        long i = applied(r);
        if (first != -2 && i != first) {
          return false;
        }
        first = i;
      }
      return true;
    });
  }

  private static void send(RaftClient client, List<Batch> batches) {
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (Batch b : batches) {
      pending.add(client.async().send(Message.valueOf(ByteString.copyFrom(b.toByteArray()))));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }

  @Test
  void restartedPeersRebuildIdenticalStateFromSnapshotAndLog() throws Exception {
    peers = PeerList.parse("n1=127.0.0.1:" + FreePorts.pair() + ",n2=127.0.0.1:"
        + FreePorts.pair() + ",n3=127.0.0.1:" + FreePorts.pair());
    for (String id : List.of("n1", "n2", "n3")) {
      start(id);
    }
    List<Batch> history = RandomHistory.of(new Random(3), 300);
    try (RaftClient client = replicas.get("n1").newClient()) {
      send(client, history.subList(0, 100));
      awaitSameIndex();
      replicas.remove("n3").close();
      send(client, history.subList(100, 200));
      // As a crash in the middle of writing a snapshot leaves it: nothing reads it, it goes.
      Path unfinished = stateMachineDir("n3").resolve("tmp.snapshot.1_150");
      Files.createDirectories(unfinished);
      Files.write(unfinished.resolve("000001.sst"), new byte[4096]);
      start("n3");
      awaitSameIndex();
      assertArrayEquals(digest(replicas.get("n1")), digest(replicas.get("n3")));
      assertFalse(Files.exists(unfinished), "unfinished snapshot still there");

      // The whole group down and up again: every peer reloads its snapshot and replays the rest.
      for (String id : List.of("n1", "n2", "n3")) {
        replicas.remove(id).close();
      }
      for (String id : List.of("n1", "n2", "n3")) {
        start(id);
      }
      send(client, history.subList(200, 300));
      awaitSameIndex();
    }
    byte[] expected = digest(replicas.get("n1"));
    assertArrayEquals(expected, digest(replicas.get("n2")));
    assertArrayEquals(expected, digest(replicas.get("n3")));
  }
}
