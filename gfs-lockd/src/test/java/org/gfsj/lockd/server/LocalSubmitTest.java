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
      RaftClientReply last = null;
      long callId = 0;
      for (Batch batch : RandomHistory.of(new Random(7), 20)) {
        last = replica.submitLocally(self, callId++,
            Message.valueOf(ByteString.copyFrom(batch.toByteArray())))
            .get(20, TimeUnit.SECONDS);
        RaftClientReply reply = last;
        assertTrue(reply.isSuccess(), () -> "refused: " + reply.getException());
      }
      long committed = last.getLogIndex();
      assertTrue(replica.stateMachine().getLastAppliedTermIndex().getIndex() >= committed,
          "the entry's reply came before it was applied");
    }
  }
}
