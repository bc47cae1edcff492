package org.gfsj.lockd.server;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.gfsj.lockd.tls.PeerDirectory;

/**
 * The lockd peers as given on the command line: {@code n1=HOST:PORT,n2=HOST:PORT,...}, where PORT
 * is the Raft port. A peer's client port is its Raft port plus {@link #CLIENT_PORT_OFFSET} unless
 * set otherwise, so that tools and clients can reach every peer from the same list. Peers do not
 * rely on it among themselves: a leader's client address travels in the log (see
 * {@code LockdStateMachine}).
 */
public record PeerList(Map<String, InetSocketAddress> raft) {
  public static final int CLIENT_PORT_OFFSET = 1;

  public static PeerList parse(String spec) {
    Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      int colon = p.lastIndexOf(':');
      if (eq <= 0 || colon < eq) {
        throw new IllegalArgumentException("bad peer '" + p
            + "' in --peers: expected ID=HOST:PORT, e.g. n1=10.0.0.1:7400");
      }
      String id = p.substring(0, eq);
      int port;
      try {
        port = Integer.parseInt(p.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in peer '" + p + "'");
      }
      if (peers.put(id, InetSocketAddress.createUnresolved(p.substring(eq + 1, colon), port))
          != null) {
        throw new IllegalArgumentException("peer id " + id + " appears twice in --peers");
      }
    }
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("--peers lists no peer");
    }
    return new PeerList(Map.copyOf(peers));
  }

  /** Raft peers in a stable order. */
  public List<RaftPeer> raftPeers() {
    List<RaftPeer> list = new ArrayList<>();
    raft.keySet().stream().sorted().forEach(id -> list.add(RaftPeer.newBuilder()
        .setId(RaftPeerId.valueOf(id))
        .setAddress(raft.get(id).getHostString() + ":" + raft.get(id).getPort())
        .build()));
    return list;
  }

  /** The peer at a Raft address, by this list. */
  public PeerDirectory directory() {
    return (host, port) -> peerAt(raftPeers(), host, port);
  }

  /** The id of the peer in {@code peers} whose Raft address is {@code host:port}, or null. */
  static String peerAt(Iterable<RaftPeer> peers, String host, int port) {
    String address = host + ":" + port;
    for (RaftPeer p : peers) {
      if (address.equals(p.getAddress())) {
        return p.getId().toString();
      }
    }
    return null;
  }

  /** Where clients reach each peer, by the default offset from its Raft port. */
  public List<InetSocketAddress> clientAddresses() {
    List<InetSocketAddress> list = new ArrayList<>();
    raft.keySet().stream().sorted().forEach(id -> list.add(InetSocketAddress.createUnresolved(
        raft.get(id).getHostString(), raft.get(id).getPort() + CLIENT_PORT_OFFSET)));
    return list;
  }
}
