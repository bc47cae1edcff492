package org.gfsj.lockd.raftrpc;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.client.impl.RaftClientRpcWithProxy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerReplyProto;
import org.apache.ratis.proto.netty.NettyProtos.RaftNettyServerRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoRequest;
import org.apache.ratis.protocol.GroupListRequest;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.util.IOUtils;
import org.gfsj.lockd.tls.RaftTls;

/**
 * A Raft client's side of lockd's Raft RPC (tools, membership changes, a peer's own lanes to the
 * leader): client and admin requests to whichever peer Ratis picks, over the same connections
 * and framing as the peers use among themselves.
 */
final class RaftClientEndpoint extends RaftClientRpcWithProxy<RaftConnection> {
  private final long requestTimeoutMillis;

  RaftClientEndpoint(ClientId clientId, RaftProperties properties, RaftTls tls) {
    super(new RaftConnections(clientId.toString(), properties, tls,
        (int) timeoutMillis(properties)));
    this.requestTimeoutMillis = timeoutMillis(properties);
  }

  private static long timeoutMillis(RaftProperties properties) {
    return RaftClientConfigKeys.Rpc.requestTimeout(properties).toLong(TimeUnit.MILLISECONDS);
  }

  /** Completes exceptionally when the peer is not the leader, or not ready to lead yet. */
  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
    try {
      return send(request, requestTimeoutMillis).thenApply(reply -> {
        IOException refusal = reply.getNotLeaderException() != null
            ? reply.getNotLeaderException() : reply.getLeaderNotReadyException();
        if (refusal != null) {
          throw new CompletionException(refusal);
        }
        return reply;
      });
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
    try {
      return send(request, requestTimeoutMillis + request.getTimeoutMs()).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw IOUtils.toInterruptedIOException("interrupted sending " + request, e);
    } catch (ExecutionException e) {
      throw IOUtils.asIOException(e.getCause());
    }
  }

  private CompletableFuture<RaftClientReply> send(RaftClientRequest request, long timeoutMillis)
      throws IOException {
    RaftNettyServerRequestProto proto = wrap(request);
    return getProxies().getProxy(request.getServerId())
        .send(RaftEnvelope.header(proto), proto, timeoutMillis)
        .thenApply(reply -> unwrap(request, reply));
  }

  private static RaftNettyServerRequestProto wrap(RaftClientRequest r) {
    RaftNettyServerRequestProto.Builder b = RaftNettyServerRequestProto.newBuilder();
    if (r instanceof GroupManagementRequest g) {
      b.setGroupManagementRequest(ClientProtoUtils.toGroupManagementRequestProto(g));
    } else if (r instanceof SetConfigurationRequest s) {
      b.setSetConfigurationRequest(ClientProtoUtils.toSetConfigurationRequestProto(s));
    } else if (r instanceof GroupListRequest g) {
      b.setGroupListRequest(ClientProtoUtils.toGroupListRequestProto(g));
    } else if (r instanceof GroupInfoRequest g) {
      b.setGroupInfoRequest(ClientProtoUtils.toGroupInfoRequestProto(g));
    } else if (r instanceof TransferLeadershipRequest t) {
      b.setTransferLeadershipRequest(ClientProtoUtils.toTransferLeadershipRequestProto(t));
    } else if (r instanceof SnapshotManagementRequest s) {
      b.setSnapshotManagementRequest(ClientProtoUtils.toSnapshotManagementRequestProto(s));
    } else if (r instanceof LeaderElectionManagementRequest l) {
      b.setLeaderElectionManagementRequest(
          ClientProtoUtils.toLeaderElectionManagementRequestProto(l));
    } else {
      b.setRaftClientRequest(ClientProtoUtils.toRaftClientRequestProto(r));
    }
    return b.build();
  }

  private static RaftClientReply unwrap(RaftClientRequest request,
      RaftNettyServerReplyProto reply) {
    if (request instanceof GroupListRequest) {
      return ClientProtoUtils.toGroupListReply(reply.getGroupListReply());
    }
    if (request instanceof GroupInfoRequest) {
      return ClientProtoUtils.toGroupInfoReply(reply.getGroupInfoReply());
    }
    return ClientProtoUtils.toRaftClientReply(reply.getRaftClientReply());
  }
}
