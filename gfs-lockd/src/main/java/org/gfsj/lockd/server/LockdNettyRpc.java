package org.gfsj.lockd.server;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.netty.NettyFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.leader.StepDownSafeLogAppender;

/**
 * Ratis over plain Netty, as {@code SupportedRpcType.NETTY}, but with lockd's log appender
 * ({@link StepDownSafeLogAppender}). Ratis finds it by class name in {@code raft.rpc.type}, so
 * it needs a public no-argument constructor. Wire-compatible with plain Netty peers.
 */
public final class LockdNettyRpc implements RpcType {
  @Override
  public String name() {
    return LockdNettyRpc.class.getName();
  }

  @Override
  public NettyFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  private static final class Factory extends NettyFactory {
    Factory(Parameters parameters) {
      super(parameters);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state,
        FollowerInfo follower) {
      return new StepDownSafeLogAppender(server, state, follower);
    }
  }
}
