package org.gfsj.lockd.raftrpc;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.thirdparty.io.netty.channel.EventLoopGroup;
import org.apache.ratis.util.NettyUtils;
import org.apache.ratis.util.PeerProxyMap;
import org.gfsj.lockd.tls.RaftTls;

/**
 * This end's connections to Raft servers, one per peer, opened when first needed and again after
 * one breaks; they share one event loop group, closed with them.
 */
final class RaftConnections extends PeerProxyMap<RaftConnection> {
  private final EventLoopGroup group;

  RaftConnections(String name, RaftProperties properties, RaftTls tls, int connectMillis) {
    this(name, NettyUtils.newEventLoopGroup(name, 0,
        NettyConfigKeys.Client.useEpoll(properties)), tls, connectMillis);
  }

  private RaftConnections(String name, EventLoopGroup group, RaftTls tls, int connectMillis) {
    super(name, peer -> PeerReachability.PROCESS.connect(peer,
        p -> RaftConnection.open(p, group, tls, connectMillis)));
    this.group = group;
  }

  @Override
  public void close() {
    super.close();
    group.shutdownGracefully();
  }
}
