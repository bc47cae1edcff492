package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain peers speak Ratis's Netty framing: Ratis's own Netty client (as a Ratis tool would use)
 * gets answers from lockd's Raft RPC.
 */
class RatisNettyClientTest {
  @TempDir Path dir;

  @Test
  void ratisNettyClientIsAnsweredByLockdPeers() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 3)) {
      RaftProperties props = new RaftProperties();
      RaftConfigKeys.Rpc.setType(props, SupportedRpcType.NETTY);
      try (RaftClient client = RaftClient.newBuilder()
          .setProperties(props)
          .setClientId(ClientId.randomId())
          .setRaftGroup(RaftGroup.valueOf(Replica.groupId("test"),
              cluster.peers().raftPeers()))
          .setRetryPolicy(RetryPolicies.noRetry())
          .build()) {
        for (String id : cluster.peers().raft().keySet()) {
          GroupInfoReply info = client.getGroupManagementApi(RaftPeerId.valueOf(id))
              .info(Replica.groupId("test"));
          assertEquals(3, info.getGroup().getPeers().size(), id);
        }
      }
    }
  }
}
