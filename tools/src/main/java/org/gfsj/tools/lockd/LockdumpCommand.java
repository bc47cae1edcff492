package org.gfsj.tools.lockd;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.HolderRecord;
import org.gfsj.lockd.proto.MemberRecord;
import org.gfsj.lockd.proto.ResourceRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gfs-tool lockdump}: every lock resource with holders, converters, waiters and LVB. */
@Command(
    name = "lockdump",
    mixinStandardHelpOptions = true,
    description = "List every lock resource lockd knows: granted holders, conversions and "
        + "waiters in queue order, and the lock value block. Read from the leader's replica "
        + "(or any peer's if no leader answers). Exits 2 when no peer answers.")
public final class LockdumpCommand implements Callable<Integer> {
  @Mixin LockdPeers peers;

  @Override
  public Integer call() {
    LockdPeers.PeerDump answer = peers.dump("gfs-tool lockdump");
    if (answer == null) {
      return 2;
    }
    InetSocketAddress peer = answer.peer();
    Dump dump = answer.dump();
    Map<Long, String> names = new HashMap<>();
    for (MemberRecord m : dump.getMembersList()) {
      names.put(m.getClientId(), m.getName());
    }
    System.out.println("# from " + peer.getHostString() + ":" + peer.getPort()
        + " at log index " + dump.getAppliedIndex() + ", " + dump.getResourcesCount()
        + " resources");
    for (ResourceRecord r : dump.getResourcesList()) {
      System.out.printf("resource %d/%x%s%n", r.getResource().getType(),
          r.getResource().getNumber(), valueBlock(r));
      for (HolderRecord h : r.getGrantedList()) {
        System.out.println("  granted    " + h.getMode() + "  " + name(names, h.getOwner()));
      }
      for (HolderRecord h : r.getConvertingList()) {
        System.out.println("  converting " + h.getMode() + "  " + name(names, h.getOwner()));
      }
      for (HolderRecord h : r.getWaitingList()) {
        System.out.println("  waiting    " + h.getMode() + "  " + name(names, h.getOwner()));
      }
    }
    return 0;
  }

  private static String valueBlock(ResourceRecord r) {
    if (r.getValueBlock().isEmpty() && !r.getValueBlockInvalid()) {
      return "";
    }
    return "  lvb=" + HexFormat.of().formatHex(r.getValueBlock().toByteArray())
        + (r.getValueBlockInvalid() ? " (INVALID: a writer died)" : "");
  }

  static String name(Map<Long, String> names, long clientId) {
    return names.getOrDefault(clientId, "?") + " (" + Long.toHexString(clientId) + ")";
  }
}
