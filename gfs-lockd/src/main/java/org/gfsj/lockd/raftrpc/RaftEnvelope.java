package org.gfsj.lockd.raftrpc;

import java.io.IOException;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyExceptionReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelPipeline;
import org.apache.ratis.thirdparty.io.netty.handler.codec.protobuf.ProtobufDecoder;
import org.apache.ratis.thirdparty.io.netty.handler.codec.protobuf.ProtobufEncoder;
import org.apache.ratis.thirdparty.io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import org.apache.ratis.util.ProtoUtils;

/**
 * Ratis's Netty envelope around every Raft request and reply (one message type each way, the
 * payload a oneof): the Raft header inside a request, the call id inside a reply, and the reply
 * that carries a server-side exception back. The same framing as Ratis's own Netty RPC, so
 * lockd's plain peers and Ratis's Netty clients understand each other.
 */
final class RaftEnvelope {
  private RaftEnvelope() {}

  /**
   * The largest frame either end takes: four times Ratis's largest default message (a 16 MiB
   * snapshot chunk; appends stop at 4 MiB of entries).
   */
  static final int MAX_FRAME_BYTES = 64 << 20;

  /**
   * Adds the framing to {@code p}: varint-length-prefixed protobuf messages, {@code inbound}
   * being the type that arrives.
   */
  static void frame(ChannelPipeline p, MessageLite inbound) {
    p.addLast(new BoundedFrameDecoder(MAX_FRAME_BYTES));
    p.addLast(new ProtobufDecoder(inbound));
    p.addLast(new ProtobufVarint32LengthFieldPrepender());
    p.addLast(new ProtobufEncoder());
  }

  /** The Raft header of {@code request}: sender, receiver, call id. */
  static RaftRpcRequestProto header(RaftNettyServerRequestProto request) {
    return switch (request.getRaftNettyServerRequestCase()) {
      case REQUESTVOTEREQUEST -> request.getRequestVoteRequest().getServerRequest();
      case APPENDENTRIESREQUEST -> request.getAppendEntriesRequest().getServerRequest();
      case INSTALLSNAPSHOTREQUEST -> request.getInstallSnapshotRequest().getServerRequest();
      case STARTLEADERELECTIONREQUEST ->
          request.getStartLeaderElectionRequest().getServerRequest();
      case RAFTCLIENTREQUEST -> request.getRaftClientRequest().getRpcRequest();
      case SETCONFIGURATIONREQUEST -> request.getSetConfigurationRequest().getRpcRequest();
      case GROUPMANAGEMENTREQUEST -> request.getGroupManagementRequest().getRpcRequest();
      case GROUPLISTREQUEST -> request.getGroupListRequest().getRpcRequest();
      case GROUPINFOREQUEST -> request.getGroupInfoRequest().getRpcRequest();
      case TRANSFERLEADERSHIPREQUEST -> request.getTransferLeadershipRequest().getRpcRequest();
      case SNAPSHOTMANAGEMENTREQUEST -> request.getSnapshotManagementRequest().getRpcRequest();
      case LEADERELECTIONMANAGEMENTREQUEST ->
          request.getLeaderElectionManagementRequest().getRpcRequest();
      case RAFTNETTYSERVERREQUEST_NOT_SET -> throw new IllegalArgumentException(
          "Raft request without a payload");
    };
  }

  /** Whether {@code request} is one that only a peer sends, naming itself as the requestor. */
  static boolean fromPeer(RaftNettyServerRequestProto request) {
    return switch (request.getRaftNettyServerRequestCase()) {
      case REQUESTVOTEREQUEST, APPENDENTRIESREQUEST, INSTALLSNAPSHOTREQUEST,
          STARTLEADERELECTIONREQUEST -> true;
      default -> false;
    };
  }

  /** The call id that {@code reply} answers. */
  static long callId(RaftNettyServerReplyProto reply) {
    return switch (reply.getRaftNettyServerReplyCase()) {
      case REQUESTVOTEREPLY -> reply.getRequestVoteReply().getServerReply().getCallId();
      case STARTLEADERELECTIONREPLY ->
          reply.getStartLeaderElectionReply().getServerReply().getCallId();
      case APPENDENTRIESREPLY -> reply.getAppendEntriesReply().getServerReply().getCallId();
      case INSTALLSNAPSHOTREPLY -> reply.getInstallSnapshotReply().getServerReply().getCallId();
      case RAFTCLIENTREPLY -> reply.getRaftClientReply().getRpcReply().getCallId();
      case GROUPLISTREPLY -> reply.getGroupListReply().getRpcReply().getCallId();
      case GROUPINFOREPLY -> reply.getGroupInfoReply().getRpcReply().getCallId();
      case EXCEPTIONREPLY -> reply.getExceptionReply().getRpcReply().getCallId();
      case RAFTNETTYSERVERREPLY_NOT_SET -> -1;
    };
  }

  /** The reply that hands {@code e} back to the sender of the request {@code header} heads. */
  static RaftNettyServerReplyProto failure(RaftRpcRequestProto header, IOException e) {
    RaftRpcReplyProto.Builder rpc = RaftRpcReplyProto.newBuilder()
        .setRequestorId(header.getRequestorId())
        .setReplyId(header.getReplyId())
        .setCallId(header.getCallId())
        .setSuccess(false);
    return RaftNettyServerReplyProto.newBuilder()
        .setExceptionReply(RaftNettyExceptionReplyProto.newBuilder()
            .setRpcReply(rpc)
            .setException(ProtoUtils.writeObject2ByteString(e)))
        .build();
  }
}
