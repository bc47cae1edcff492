package org.gfsj.lockd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * Changing which peers make up the lockd group while it runs (a Raft configuration change).
 * To add a peer, start it first with the new, longer {@code --peers} list and an empty data
 * directory, then call {@link #change}; it catches up from the log or a snapshot before it
 * counts. To remove one, call {@link #change} with the shorter list, then stop it.
 */
public final class Membership {
  /** Enough to ride out an election or two while the change is under way. */
  private static final int ATTEMPTS = 20;
  private static final int CONNECT_MILLIS = 2_000;

  private Membership() {}

  /**
   * Every peer to be added must already run: the leader would otherwise stage it, find it
   * silent, give up after a few seconds, and the request be retried, for minutes, with nothing
   * said (seen with a peer not yet started).
   */
  private static void requireNewPeersListening(PeerList current, PeerList wanted)
      throws IOException {
    for (Map.Entry<String, InetSocketAddress> peer : wanted.raft().entrySet()) {
      if (current.raft().containsKey(peer.getKey())) {
        continue;
      }
      InetSocketAddress address = peer.getValue();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address.getHostString(), address.getPort()),
            CONNECT_MILLIS);
      } catch (IOException e) {
        throw new IOException("new peer " + peer.getKey() + " at " + address.getHostString() + ":"
            + address.getPort() + " does not answer (" + e.getMessage() + "); start it first,"
            + " with the new --peers and an empty --dir, then run this again; nothing changed",
            e);
      }
    }
  }

  /**
   * Asks the current peers to switch to {@code wanted}; returns once the new configuration is
   * committed. {@code transport} must be the one the peers use.
   */
  public static void change(PeerList current, PeerList wanted, String cluster,
      RaftTransport transport) throws IOException {
    requireNewPeersListening(current, wanted);
    RaftGroup group = RaftGroup.valueOf(Replica.groupId(cluster), current.raftPeers());
    try (RaftClient client = transport.newClientBuilder(current.directory())
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(ATTEMPTS,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build()) {
      RaftClientReply reply;
      try {
        reply = client.admin().setConfiguration(wanted.raftPeers());
      } catch (RaftRetryFailureException e) {
        // Ratis's message repeats the whole request; what went wrong is in the peers' logs.
        throw new IOException("the lockd peers " + new TreeSet<>(current.raft().keySet())
            + " did not commit " + new TreeSet<>(wanted.raft().keySet()) + " in " + ATTEMPTS
            + " attempts; nothing changed. A new peer must run with the new --peers and the same"
            + " --cluster (and --tls-dir, if the others have one): its log says why it cannot"
            + " join. Otherwise " + transport.clientHint(), e);
      } catch (IOException e) {
        throw new IOException("no lockd peer of " + new TreeSet<>(current.raft().keySet())
            + " accepted the change (" + e.getMessage() + "); " + transport.clientHint(), e);
      }
      if (!reply.isSuccess()) {
        throw new IOException("lockd refused the new peer list "
            + new TreeSet<>(wanted.raft().keySet()) + ": "
            + reply.getException() + "; check that every new peer runs with the new --peers");
      }
    }
  }
}
