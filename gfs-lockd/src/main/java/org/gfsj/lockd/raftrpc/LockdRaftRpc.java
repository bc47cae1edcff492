package org.gfsj.lockd.raftrpc;

import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.ServerFactory;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.leader.StepDownSafeLogAppender;
import org.gfsj.lockd.tls.RaftTls;

/**
 * lockd's Raft RPC: Ratis's Netty framing, mutual TLS when the {@link Parameters} carry a
 * {@link RaftTls}, and lockd's log appender ({@link StepDownSafeLogAppender}), which lets a
 * leader step down without Ratis 3.3.0's 5 s stall. Without TLS it speaks Ratis's Netty
 * framing, so Ratis's own Netty clients are answered (RatisNettyClientTest). Ratis finds it by
 * class name in {@code raft.rpc.type}, so it needs a public no-argument constructor.
 */
public final class LockdRaftRpc implements RpcType {
  @Override
  public String name() {
    return LockdRaftRpc.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(this, RaftTls.of(parameters));
  }

  private record Factory(RpcType type, RaftTls tls) implements ServerFactory, ClientFactory {
    @Override
    public RpcType getRpcType() {
      return type;
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state,
        FollowerInfo follower) {
      return new StepDownSafeLogAppender(server, state, follower);
    }

    @Override
    public RaftServerRpc newRaftServerRpc(RaftServer server) {
      return new RaftServerEndpoint(type, server, tls);
    }

    @Override
    public RaftClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
      return new RaftClientEndpoint(clientId, properties, tls);
    }
  }
}
