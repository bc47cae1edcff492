package org.gfsj.tools.lockd;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gfsj.lockd.server.PeerList;
import org.gfsj.lockd.tls.ClusterCa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gfs-tool keygen}: the cluster CA and the peers' keys and certificates for lockd. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {"Make the cluster CA (ca.crt, ca.key) in --dir, a key and certificate for "
        + "the admin tools (admin.crt, admin.key) and one per peer of --peers (ID.crt, ID.key), "
        + "all PEM, keys mode 600. If --dir already holds a CA, certificates for --peers are "
        + "issued from it (to add a peer); the CA is replaced only with --force, after which "
        + "every peer needs its new files.",
        "Copy ca.crt, ID.crt and ID.key to each peer's --tls-dir, and ca.crt, admin.crt and "
        + "admin.key to where gfs-tool runs; keep ca.key on this host only.",
        "Exits 1 when it writes nothing."})
public final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "Where to write the files.")
  Path dir;

  @Option(names = "--peers",
      description = "Peers to issue certificates for, as given to gfs-lockd: ID=HOST:PORT,... "
          + "HOST goes into the certificate and must be the name or address other peers use.")
  String peers;

  @Option(names = "--days", defaultValue = "1825",
      description = "Validity of new certificates in days (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--cluster", defaultValue = "gfsj",
      description = "Cluster name, written into the CA's name (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(names = "--force",
      description = "Replace an existing CA and any existing files of the listed peers.")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (days <= 0) {
        throw new IllegalArgumentException("--days must be at least 1");
      }
      Map<String, InetSocketAddress> listed = peers == null ? Map.of() : PeerList.parse(peers).raft();
      for (String id : listed.keySet()) {
        if (id.equals(ClusterCa.CA) || id.equals(ClusterCa.ADMIN) || !id.matches("[A-Za-z0-9_.-]+")) {
          throw new IllegalArgumentException("peer id '" + id + "' cannot name a certificate: "
              + "use letters, digits, '.', '_' or '-', and not 'ca' or 'admin'");
        }
      }
      Duration validity = Duration.ofDays(days);
      List<Path> written = new ArrayList<>();
      ClusterCa ca;
      if (ClusterCa.existsIn(dir) && !force) {
        if (listed.isEmpty()) {
          err.println("gfs-tool keygen: " + dir + " already holds a cluster CA; give "
              + "--peers to issue certificates from it, or --force to replace it (every peer "
              + "then needs new files)");
          return 1;
        }
        ca = ClusterCa.read(dir);
        out.println("using the cluster CA in " + dir.resolve(ClusterCa.CA + ".crt"));
      } else {
        ca = ClusterCa.create(cluster, validity);
        written.addAll(ca.write(dir, force));
        written.addAll(ca.issue(dir, ClusterCa.ADMIN, null, validity, force));
      }
      for (Map.Entry<String, InetSocketAddress> p : listed.entrySet().stream()
          .sorted(Map.Entry.comparingByKey()).toList()) {
        written.addAll(ca.issue(dir, p.getKey(), p.getValue().getHostString(), validity, force));
      }
      for (Path p : written) {
        out.println("wrote " + p);
      }
      out.flush();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("gfs-tool keygen: " + e.getMessage());
      err.flush();
      return 1;
    }
  }
}
