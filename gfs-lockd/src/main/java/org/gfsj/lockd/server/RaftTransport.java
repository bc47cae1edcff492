package org.gfsj.lockd.server;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.server.RaftServer;
import org.gfsj.lockd.raftrpc.LockdRaftRpc;
import org.gfsj.lockd.tls.PeerCredentials;
import org.gfsj.lockd.tls.PeerDirectory;

/**
 * How Raft messages travel between peers, and from tools and the peers' own clients to them:
 * always lockd's Raft RPC ({@link LockdRaftRpc}), Netty with Ratis's framing and lockd's log
 * appender.
 *
 * <p>Without a TLS directory the connections are plain: anyone who reaches a Raft port can take
 * part in Raft. With one, every connection is mutual TLS, each end showing a certificate signed
 * by the cluster CA, and each peer known by the name in its certificate. Every peer of a group
 * must use the same setting, so TLS is all or nothing per cluster.
 */
public final class RaftTransport {
  /** Plain Netty: no authentication between peers. */
  public static final RaftTransport PLAIN = new RaftTransport(null);

  private final PeerCredentials credentials;

  private RaftTransport(PeerCredentials credentials) {
    this.credentials = credentials;
  }

  /** Mutual TLS, showing {@code credentials}. */
  public static RaftTransport tls(PeerCredentials credentials) {
    return new RaftTransport(credentials);
  }

  public boolean authenticated() {
    return credentials != null;
  }

  /**
   * What to check when this peer reaches no leader: the likeliest causes for this transport,
   * for an operator to act on.
   */
  String joinHint(String id) {
    if (credentials == null) {
      return "check that the other peers run and that --peers and --cluster are the same on "
          + "every peer; if the other peers run with --tls-dir, this one needs it too (make its "
          + "files with gfs-tool keygen --dir DIR-WITH-THE-CLUSTER-CA --peers " + id
          + "=HOST:PORT)";
    }
    return "peers refuse Raft connections whose certificate the cluster CA did not sign, and "
        + "this peer refuses theirs likewise. This peer shows " + credentials.subject()
        + " and trusts " + credentials.trustedCa() + "; compare with openssl x509 "
        + "-fingerprint -sha256 -noout -in ca.crt on a peer that works. If they differ, issue "
        + "this peer's files from the cluster's CA (gfs-tool keygen --dir "
        + "DIR-WITH-THE-CLUSTER-CA --peers " + id + "=HOST:PORT) and copy ca.crt, " + id
        + ".crt and " + id + ".key into its --tls-dir. Also check that every peer runs with "
        + "--tls-dir, and that --peers and --cluster are the same everywhere";
  }

  /** What to check when no peer answers a Raft client of this transport. */
  String clientHint() {
    if (credentials == null) {
      return "check that the peers run and that --peers and --cluster are right; if the peers "
          + "run with --tls-dir, give --tls-dir too";
    }
    return "check that the peers run with --tls-dir and that this --tls-dir holds ca.crt, "
        + "admin.crt and admin.key from the cluster's gfs-tool keygen (this end shows "
        + credentials.subject() + " and trusts " + credentials.trustedCa() + ")";
  }

  /** Sets the transport and the port this peer's Raft server listens on. */
  void configureServer(RaftProperties props, int port) {
    RaftConfigKeys.Rpc.setType(props, new LockdRaftRpc());
    NettyConfigKeys.Server.setPort(props, port);
  }

  /** {@code directory} says which peer each Raft address belongs to (see PeerCredentials). */
  void configureServer(RaftServer.Builder builder, PeerDirectory directory) {
    if (credentials != null) {
      builder.setParameters(credentials.raftParameters(directory));
    }
  }

  /**
   * A Raft client builder with this transport set, for a group whose peers {@code directory}
   * places; the caller adds group and retry policy.
   */
  RaftClient.Builder newClientBuilder(PeerDirectory directory) {
    return newClientBuilder(directory, new RaftProperties());
  }

  /** The same, starting from the caller's client settings {@code props}. */
  RaftClient.Builder newClientBuilder(PeerDirectory directory, RaftProperties props) {
    RaftClient.Builder builder = RaftClient.newBuilder().setProperties(props);
    RaftConfigKeys.Rpc.setType(props, new LockdRaftRpc());
    if (credentials != null) {
      builder.setParameters(credentials.raftParameters(directory));
    }
    return builder;
  }
}
