package org.gfsj.tools.lockd;

import java.io.IOException;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.proto.PeerStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gfs-tool lockd status}: every peer's role, term, log index and snapshot. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show each lockd peer: role, leader, term, applied index, snapshot index and a "
        + "digest of its state (equal digests at equal indexes mean identical replicas). "
        + "Exits 1 if a peer does not answer, 2 if none does.")
final class LockdStatusCommand implements Callable<Integer> {
  @Mixin LockdPeers peers;

  @Override
  public Integer call() {
    int answered = 0;
    int total = 0;
    System.out.printf("%-6s %-22s %-10s %-6s %6s %10s %10s  %s%n", "PEER", "CLIENT ADDRESS",
        "ROLE", "LEADER", "TERM", "APPLIED", "SNAPSHOT", "STATE DIGEST");
    try (LockdAdmin admin = peers.admin()) {
      for (String[] peer : peers.idsAndAddresses()) {
        total++;
        try {
          PeerStatus s = admin.status(LockdPeers.address(peer[1]));
          answered++;
          System.out.printf("%-6s %-22s %-10s %-6s %6d %10d %10d  %s%n", peer[0], peer[1],
              s.getRole(), s.getLeaderId().isEmpty() ? "-" : s.getLeaderId(), s.getTerm(),
              s.getAppliedIndex(), s.getSnapshotIndex(),
              HexFormat.of().formatHex(s.getStateDigest().toByteArray(), 0, 8));
        } catch (IOException e) {
          System.out.printf("%-6s %-22s %-10s  %s%n", peer[0], peer[1], "DOWN", e.getMessage());
        }
      }
    } catch (IOException e) {
      System.err.println("gfs-tool lockd status: " + e.getMessage());
      return 2;
    }
    return answered == total ? 0 : answered == 0 ? 2 : 1;
  }
}
