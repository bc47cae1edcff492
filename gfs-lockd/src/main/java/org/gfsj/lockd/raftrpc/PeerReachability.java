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
 *
 * <p>One per process ({@link #PROCESS}): a peer reaches the others through its server's
 * connections and through the Raft clients of its batcher's lanes, each with connections of its
 * own, and a dead leader was reported once by each of them.
 */
final class PeerReachability {
  private static final Logger LOG = LoggerFactory.getLogger(PeerReachability.class);
  static final PeerReachability PROCESS = new PeerReachability();

  private final Complaints complaints = new Complaints(LOG);
  /** Peers whose last connection attempt from here failed, by id and address. */
  private final Set<String> unreachable = ConcurrentHashMap.newKeySet();

  private PeerReachability() {}

  /** Opens a connection to {@code peer} with {@code open}, and says how that went if it changed. */
  RaftConnection connect(RaftPeer peer, CheckedFunction<RaftPeer, RaftConnection, IOException> open)
      throws IOException {
    String key = peer.getId() + "@" + peer.getAddress();
    try {
      RaftConnection connection = open.apply(peer);
      if (unreachable.remove(key)) {
        complaints.forget(key);
        LOG.info("Raft peer {} at {} is reachable again", peer.getId(), peer.getAddress());
      }
      return connection;
    } catch (IOException e) {
      unreachable.add(key);
      complaints.warn(key, "cannot reach Raft peer " + peer.getId() + " at " + peer.getAddress()
          + ": " + e.getMessage() + "; is it running? (said again every 30 s while it lasts)");
      throw e;
    }
  }
}
