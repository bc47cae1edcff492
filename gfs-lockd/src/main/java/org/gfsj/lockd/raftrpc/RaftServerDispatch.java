package org.gfsj.lockd.raftrpc;

import static org.apache.ratis.client.impl.ClientProtoUtils.toGroupInfoReplyProto;
import static org.apache.ratis.client.impl.ClientProtoUtils.toGroupInfoRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toGroupListReplyProto;
import static org.apache.ratis.client.impl.ClientProtoUtils.toGroupListRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toGroupManagementRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toLeaderElectionManagementRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toRaftClientReplyProto;
import static org.apache.ratis.client.impl.ClientProtoUtils.toRaftClientRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toSetConfigurationRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toSnapshotManagementRequest;
import static org.apache.ratis.client.impl.ClientProtoUtils.toTransferLeadershipRequest;

import java.io.IOException;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.RaftServer;

/**
 * Hands each Raft request that arrives at this peer to the Ratis server, and wraps its answer:
 * what Ratis's own Netty server does, so that a peer of lockd's RPC answers whatever a Ratis
 * Netty peer or client asks.
 */
final class RaftServerDispatch {
  private final RaftServer server;

  RaftServerDispatch(RaftServer server) {
    this.server = server;
  }

  /** The reply to {@code q}; an exception the server throws goes back as the reply. */
  RaftNettyServerReplyProto handle(RaftNettyServerRequestProto q) {
    RaftNettyServerReplyProto.Builder a = RaftNettyServerReplyProto.newBuilder();
    try {
      switch (q.getRaftNettyServerRequestCase()) {
        case REQUESTVOTEREQUEST -> a.setRequestVoteReply(
            server.requestVote(q.getRequestVoteRequest()));
        case APPENDENTRIESREQUEST -> a.setAppendEntriesReply(
            server.appendEntries(q.getAppendEntriesRequest()));
        case INSTALLSNAPSHOTREQUEST -> a.setInstallSnapshotReply(
            server.installSnapshot(q.getInstallSnapshotRequest()));
        case STARTLEADERELECTIONREQUEST -> a.setStartLeaderElectionReply(
            server.startLeaderElection(q.getStartLeaderElectionRequest()));
        case RAFTCLIENTREQUEST -> a.setRaftClientReply(clientReply(
            server.submitClientRequest(toRaftClientRequest(q.getRaftClientRequest()))));
        case SETCONFIGURATIONREQUEST -> a.setRaftClientReply(clientReply(
            server.setConfiguration(toSetConfigurationRequest(q.getSetConfigurationRequest()))));
        case GROUPMANAGEMENTREQUEST -> a.setRaftClientReply(clientReply(
            server.groupManagement(toGroupManagementRequest(q.getGroupManagementRequest()))));
        case GROUPLISTREQUEST -> a.setGroupListReply(toGroupListReplyProto(
            server.getGroupList(toGroupListRequest(q.getGroupListRequest()))));
        case GROUPINFOREQUEST -> a.setGroupInfoReply(toGroupInfoReplyProto(
            server.getGroupInfo(toGroupInfoRequest(q.getGroupInfoRequest()))));
        case TRANSFERLEADERSHIPREQUEST -> a.setRaftClientReply(clientReply(
            server.transferLeadership(
                toTransferLeadershipRequest(q.getTransferLeadershipRequest()))));
        case SNAPSHOTMANAGEMENTREQUEST -> a.setRaftClientReply(clientReply(
            server.snapshotManagement(
                toSnapshotManagementRequest(q.getSnapshotManagementRequest()))));
        case LEADERELECTIONMANAGEMENTREQUEST -> a.setRaftClientReply(clientReply(
            server.leaderElectionManagement(
                toLeaderElectionManagementRequest(q.getLeaderElectionManagementRequest()))));
        case RAFTNETTYSERVERREQUEST_NOT_SET -> throw new IllegalArgumentException(
            "Raft request without a payload");
      }
      return a.build();
    } catch (IOException e) {
      return RaftEnvelope.failure(RaftEnvelope.header(q), e);
    }
  }

  private static org.apache.ratis.proto.RaftProtos.RaftClientReplyProto clientReply(
      RaftClientReply reply) {
    return toRaftClientReplyProto(reply);
  }
}
