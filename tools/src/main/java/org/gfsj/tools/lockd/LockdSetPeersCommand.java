package org.gfsj.tools.lockd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.gfsj.lockd.server.Membership;
import org.gfsj.lockd.server.PeerList;
import org.gfsj.lockd.server.RaftTransport;
import org.gfsj.lockd.tls.ClusterCa;
import org.gfsj.lockd.tls.PeerCredentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gfs-tool lockd set-peers}: add or remove lockd peers while the cluster runs. */
@Command(
    name = "set-peers",
    mixinStandardHelpOptions = true,
    description = "Change the lockd group to --new-peers (a Raft configuration change). To add a "
        + "peer, first start it with the new list and an empty --dir; it catches up from the "
        + "log or a snapshot. To remove one, run this with the shorter list, then stop it. "
        + "Exits 1 if the change is refused.")
final class LockdSetPeersCommand implements Callable<Integer> {
  @Option(names = "--peers", required = true, description = "The current peers: ID=HOST:PORT,...")
  String peers;

  @Option(names = "--new-peers", required = true, description = "The wanted peers.")
  String newPeers;

  @Option(names = "--cluster", defaultValue = "gfsj",
      description = "Cluster name the peers were started with (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--tls-dir",
      description = "When the peers run with --tls-dir: a directory holding ca.crt, admin.crt "
          + "and admin.key made by gfs-tool keygen.")
  Path tlsDir;

  @Override
  public Integer call() {
    try {
      RaftTransport transport = tlsDir == null ? RaftTransport.PLAIN
          : RaftTransport.tls(PeerCredentials.load(tlsDir, ClusterCa.ADMIN));
      PeerList wanted = PeerList.parse(newPeers);
      // A new peer first catches up from the log or a snapshot, which can take a while.
      System.err.println("gfs-tool lockd set-peers: changing the peers to "
          + new TreeSet<>(wanted.raft().keySet()) + "; new peers catch up first");
      Membership.change(PeerList.parse(peers), wanted, cluster, transport);
      System.out.println("lockd peers are now " + new TreeSet<>(wanted.raft().keySet()));
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("gfs-tool lockd set-peers: " + e.getMessage());
      return 1;
    }
  }
}
