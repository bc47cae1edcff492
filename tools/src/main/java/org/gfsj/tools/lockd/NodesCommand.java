package org.gfsj.tools.lockd;

import java.util.concurrent.Callable;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.MemberRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gfs-tool nodes}: the member nodes with their lease, journal slot and state. */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "List the member nodes lockd knows: journal slot, state, time left on the "
        + "lease (by the replicated clock), and why a node is stuck if it is. Exits 2 when no "
        + "peer answers.")
public final class NodesCommand implements Callable<Integer> {
  @Mixin LockdPeers peers;

  @Override
  public Integer call() {
    LockdPeers.PeerDump answer = peers.dump("gfs-tool nodes");
    if (answer == null) {
      return 2;
    }
    Dump dump = answer.dump();
    System.out.printf("%-16s %4s %-10s %10s  %-16s %s%n", "NODE", "SLOT", "STATE", "LEASE MS",
        "CLIENT", "DETAIL");
    for (MemberRecord m : dump.getMembersList()) {
      String lease = m.getState().equals("LIVE")
          ? Long.toString(m.getLeaseExpiry() - dump.getLeaderTimeMillis()) : "-";
      System.out.printf("%-16s %4d %-10s %10s  %-16s %s%n", m.getName(), m.getSlot(),
          m.getState(), lease, Long.toHexString(m.getClientId()), m.getDetail());
    }
    return 0;
  }
}
