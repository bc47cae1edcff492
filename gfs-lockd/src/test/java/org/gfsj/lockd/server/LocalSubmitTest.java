package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's own entries go to its division directly (the batcher's path while it leads):
 * they commit and apply there, in the order handed over. A failure of that path would not fail
 * any client test, because the batcher then falls back to its Raft client.
 */
class LocalSubmitTest {
  @TempDir Path dir;

  @Test
  void entriesHandedToTheLeadersDivisionCommitAndApply() throws Exception {
    PeerList peers = PeerList.parse("n1=127.0.0.1:" + FreePorts.pair());
    try (Replica replica = new Replica("n1", peers, dir.resolve("n1"), "test",
        Compatibility.STANDARD, Replica.SNAPSHOT_EVERY, RaftTransport.PLAIN)) {
      replica.start();
      // A new leader refuses entries until one of its own term has committed.
      Await.until(Duration.ofSeconds(20), "n1 leading its group of one, and ready",
          () -> replica.division().getInfo().isLeaderReady());
      ClientId self = ClientId.randomId();
      long callId = 0;
      long previousIndex = -1;
      for (Batch batch : RandomHistory.of(new Random(7), 20)) {
        RaftClientReply reply = replica.submitLocally(self, callId++,
            Message.valueOf(ByteString.copyFrom(batch.toByteArray())))
            .get(20, TimeUnit.SECONDS);
        assertTrue(reply.isSuccess(), () -> "refused: " + reply.getException());
        assertTrue(reply.getLogIndex() > previousIndex, "entries out of the order handed over");
        assertTrue(replica.stateMachine().getLastAppliedTermIndex().getIndex()
            >= reply.getLogIndex(), "the entry's reply came before it was applied");
        previousIndex = reply.getLogIndex();
      }
    }
  }
}
