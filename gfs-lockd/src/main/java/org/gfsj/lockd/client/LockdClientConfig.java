package org.gfsj.lockd.client;

import java.net.InetSocketAddress;
import java.util.List;
import org.gfsj.lockd.wire.ClusterSecret;

/**
 * How a node reaches lockd and keeps its lease.
 *
 * <p>Lease and self-fence margin: lockd lets the node's lease lapse no sooner than
 * {@code leaseMillis} after the leader accepted the node's last renewal, which is after the node
 * sent it, and only once the leader itself has seen no renewal for a whole lease (so not for an
 * outage of lockd's own; see the server's {@code RenewalsSeen}). The client counts from
 * the moment it first sent that renewal, and fences itself {@code selfFenceMarginMillis} before
 * that count runs out (up to 50 ms sooner: it checks every 50 ms, and fences at the last check
 * before that moment). So it stops I/O at least the margin before any peer can think the lease
 * lapsed, provided clocks advance at nearly the same rate; the margin covers clock drift, GC
 * pauses on the client and the time it takes gfs-fs to stop issuing writes.
 *
 * @param peers every lockd peer's client address; the client tries them in turn
 * @param nodeName this node's name, unique in the cluster
 * @param leaseMillis lease length requested at registration
 * @param renewEveryMillis how often to renew (several renewals fit in a lease)
 * @param selfFenceMarginMillis how long before the lease ends the node stops I/O
 * @param requestTimeoutMillis a peer silent this long on a pending request is abandoned for the
 *     next one
 * @param secret the cluster secret when the peers demand one, else null
 */
public record LockdClientConfig(List<InetSocketAddress> peers, String nodeName, long leaseMillis,
    long renewEveryMillis, long selfFenceMarginMillis, long requestTimeoutMillis,
    ClusterSecret secret) {

  public LockdClientConfig {
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("no lockd peer given");
    }
    if (selfFenceMarginMillis + 2 * renewEveryMillis >= leaseMillis) {
      throw new IllegalArgumentException("lease of " + leaseMillis + " ms leaves no room for "
          + "two renewals every " + renewEveryMillis + " ms and a self-fence margin of "
          + selfFenceMarginMillis + " ms; lengthen the lease");
    }
  }

  /** Without a cluster secret. */
  public LockdClientConfig(List<InetSocketAddress> peers, String nodeName, long leaseMillis,
      long renewEveryMillis, long selfFenceMarginMillis, long requestTimeoutMillis) {
    this(peers, nodeName, leaseMillis, renewEveryMillis, selfFenceMarginMillis,
        requestTimeoutMillis, null);
  }

  /** The same with a cluster secret. */
  public LockdClientConfig withSecret(ClusterSecret clusterSecret) {
    return new LockdClientConfig(peers, nodeName, leaseMillis, renewEveryMillis,
        selfFenceMarginMillis, requestTimeoutMillis, clusterSecret);
  }

  /** Defaults: 10 s lease renewed every second, fence 3 s early, 2 s per peer before moving on. */
  public static LockdClientConfig defaults(List<InetSocketAddress> peers, String nodeName) {
    return new LockdClientConfig(peers, nodeName, 10_000, 1_000, 3_000, 2_000);
  }
}
