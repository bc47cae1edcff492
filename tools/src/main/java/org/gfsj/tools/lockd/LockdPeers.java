package org.gfsj.tools.lockd;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.server.PeerList;
import org.gfsj.lockd.wire.ClusterSecret;
import picocli.CommandLine.Option;

/**
 * The {@code --peers} option every lockd tool takes (the list the peers were started with), and
 * the way a tool finds a peer to ask: the leader if one answers, else any peer that does.
 */
public final class LockdPeers {
  @Option(names = "--peers", required = true,
      description = "The lockd peers as given to gfs-lockd: ID=HOST:RAFTPORT[/CLIENTPORT],...")
  String peers;

  @Option(names = "--secret-file",
      description = "The cluster secret file, when the peers were started with one.")
  Path secretFile;

  @Option(names = "--timeout-ms", defaultValue = "3000",
      description = "How long to wait for each peer (default: ${DEFAULT-VALUE}).")
  long timeoutMillis;

  /** A tool's connection to the peers, with the cluster secret if one was given. */
  LockdAdmin admin() throws IOException {
    return new LockdAdmin(timeoutMillis, secretFile == null ? null : ClusterSecret.read(secretFile));
  }

  /** Client addresses by peer id, in the order of the list. */
  List<String[]> idsAndAddresses() {
    PeerList list = PeerList.parse(peers);
    List<String[]> out = new ArrayList<>();
    List<InetSocketAddress> addresses = list.clientAddresses();
    List<String> ids = list.raft().keySet().stream().sorted().toList();
    for (int i = 0; i < ids.size(); i++) {
      InetSocketAddress a = addresses.get(i);
      out.add(new String[] {ids.get(i), a.getHostString() + ":" + a.getPort()});
    }
    return out;
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return InetSocketAddress.createUnresolved(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /**
   * The address of the peer to ask: the one that answers as leader, else (an election under
   * way, or no quorum) the first that answers at all, after telling {@code err} that its replica
   * may lag; null (after telling {@code err} why) when none answers. A leader named by a
   * follower is not trusted: for a second or so after the leader dies, the followers still name
   * it.
   */
  InetSocketAddress pick(LockdAdmin admin, PrintStream err) {
    String[] anyAnswering = null;
    for (String[] peer : idsAndAddresses()) {
      try {
        PeerStatus s = admin.status(address(peer[1]));
        if ("LEADER".equals(s.getRole())) {
          return address(peer[1]);
        }
        if (anyAnswering == null) {
          anyAnswering = peer;
        }
      } catch (IOException e) {
        err.println(peer[0] + ": " + e.getMessage());
      }
    }
    if (anyAnswering == null) {
      err.println("no lockd peer answered; check that gfs-lockd runs and --peers is right");
      return null;
    }
    err.println("no lockd peer answers as leader (an election, or too few peers up for one); "
        + "reading " + anyAnswering[0] + "'s replica, which may lag");
    return address(anyAnswering[1]);
  }

  /** The replicated lock state as one peer answered it. */
  record PeerDump(InetSocketAddress peer, Dump dump) {}

  /**
   * Reads the lock state from the leader (or any peer that answers); on failure prints why,
   * prefixed by {@code tool}, and returns null, for the tool to exit 2.
   */
  PeerDump dump(String tool) {
    try (LockdAdmin admin = admin()) {
      InetSocketAddress peer = pick(admin, System.err);
      return peer == null ? null : new PeerDump(peer, admin.dump(peer));
    } catch (IOException e) {
      System.err.println(tool + ": " + e.getMessage());
      return null;
    }
  }
}
