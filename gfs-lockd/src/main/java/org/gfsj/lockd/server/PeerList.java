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
 * The lockd peers as given on the command line: {@code n1=HOST:PORT,n2=HOST:PORT/CLIENTPORT,...},
 * where PORT is the Raft port. A peer's client port is the one after the slash, or else its Raft
 * port plus {@link #CLIENT_PORT_OFFSET}, so that tools and clients reach every peer from the same
 * list the peers were started with. Peers do not rely on it among themselves: a leader's client
 * address travels in the log (see {@code LockdStateMachine}).
 *
 * @param raft each peer's Raft address
 * @param clientPorts the client ports the list gives explicitly
 */
public record PeerList(Map<String, InetSocketAddress> raft, Map<String, Integer> clientPorts) {
  public static final int CLIENT_PORT_OFFSET = 1;

  public static PeerList parse(String spec) {
    Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    Map<String, Integer> clients = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      int colon = p.lastIndexOf(':');
      if (eq <= 0 || colon < eq) {
        throw new IllegalArgumentException("bad peer '" + p
            + "' in --peers: expected ID=HOST:PORT or ID=HOST:PORT/CLIENTPORT, e.g."
            + " n1=10.0.0.1:7400");
      }
      String id = p.substring(0, eq);
      String ports = p.substring(colon + 1);
      int slash = ports.indexOf('/');
      int port;
      try {
        port = Integer.parseInt(slash < 0 ? ports : ports.substring(0, slash));
        if (slash >= 0) {
          clients.put(id, Integer.parseInt(ports.substring(slash + 1)));
        }
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
    return new PeerList(Map.copyOf(peers), Map.copyOf(clients));
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

  /** Where clients reach each peer, in the order of the peer ids. */
  public List<InetSocketAddress> clientAddresses() {
    List<InetSocketAddress> list = new ArrayList<>();
    raft.keySet().stream().sorted().forEach(id -> list.add(InetSocketAddress.createUnresolved(
        raft.get(id).getHostString(), clientPort(id))));
    return list;
  }

  /** The client port of peer {@code id}: the list's, or its Raft port plus the offset. */
  public int clientPort(String id) {
    Integer given = clientPorts.get(id);
    return given != null ? given : raft.get(id).getPort() + CLIENT_PORT_OFFSET;
  }
}
