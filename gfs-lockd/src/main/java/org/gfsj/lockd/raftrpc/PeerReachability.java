package org.gfsj.lockd.raftrpc;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.util.function.CheckedFunction;
import org.gfsj.lockd.tls.Complaints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when a Raft peer cannot be reached, and when it can again. While a peer is down, Ratis
 * tries to connect every few milliseconds and logs each failure with a stack trace (hundreds a
 * minute; lockd's logging configuration turns those off): this says it once, then every 30 s
 * while it lasts.
 */
final class PeerReachability {
  private static final Logger LOG = LoggerFactory.getLogger(PeerReachability.class);

  private final String name;
  private final Complaints complaints = new Complaints(LOG);
  /** Peers whose last connection attempt from here failed, by id. */
  private final Set<String> unreachable = ConcurrentHashMap.newKeySet();

  /** {@code name} says which end is connecting, e.g. this peer's connections to the others. */
  PeerReachability(String name) {
    this.name = name;
  }

  /** Opens a connection to {@code peer} with {@code open}, and says how that went if it changed. */
  RaftConnection connect(RaftPeer peer, CheckedFunction<RaftPeer, RaftConnection, IOException> open)
      throws IOException {
    String id = peer.getId().toString();
    try {
      RaftConnection connection = open.apply(peer);
      if (unreachable.remove(id)) {
        complaints.forget(id);
        LOG.info("{}: Raft peer {} at {} is reachable again", name, id, peer.getAddress());
      }
      return connection;
    } catch (IOException e) {
      unreachable.add(id);
      complaints.warn(id, name + ": cannot reach Raft peer " + id + " at " + peer.getAddress()
          + ": " + e.getMessage() + "; is it running? (said again every 30 s while it lasts)");
      throw e;
    }
  }
}
