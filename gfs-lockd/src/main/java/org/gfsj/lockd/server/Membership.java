package org.gfsj.lockd.server;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * Changing which peers make up the lockd group while it runs (a Raft configuration change).
 * To add a peer, start it first with the new, longer {@code --peers} list and an empty data
 * directory, then call {@link #change}; it catches up from the log or a snapshot before it
 * counts. To remove one, call {@link #change} with the shorter list, then stop it.
 */
public final class Membership {
  private Membership() {}

  /**
   * Asks the current peers to switch to {@code wanted}; returns once the new configuration is
   * committed. {@code transport} must be the one the peers use.
   */
  public static void change(PeerList current, PeerList wanted, String cluster,
      RaftTransport transport) throws IOException {
    RaftGroup group = RaftGroup.valueOf(Replica.groupId(cluster), current.raftPeers());
    try (RaftClient client = transport.newClientBuilder(current.directory())
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(100,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build()) {
      RaftClientReply reply;
      try {
        reply = client.admin().setConfiguration(wanted.raftPeers());
      } catch (IOException e) {
        throw new IOException("no lockd peer of " + current.raft().keySet()
            + " accepted the change (" + e.getMessage() + "); " + transport.clientHint(), e);
      }
      if (!reply.isSuccess()) {
        throw new IOException("lockd refused the new peer list " + wanted.raft().keySet() + ": "
            + reply.getException() + "; check that every new peer runs with the new --peers");
      }
    }
  }
}
