package org.gfsj.lockd.testing;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/**
 * A cluster node in its own JVM, for failure tests: registers, takes the locks it is told to,
 * prints {@code READY slot=N}, and then only renews its lease until it is stopped or killed.
 * Arguments: {@code HOST:PORT,... NAME OP...} with OP {@code lock:MODE:TYPE:NUMBER} or
 * {@code claim:SLOT} (a NOQUEUE EX lock on that journal).
 */
public final class NodeProcess {
  /** Short lease, so that a stopped node lapses quickly. */
  public static final long LEASE_MILLIS = 3_000;

  private NodeProcess() {}

  /**
   * Runs the node; any failure before READY ends the process with the error on its output.
   * Exiting by hand matters: the client's Netty threads are not daemons and would keep a failed
   * node's JVM alive, and the test waiting for its READY line with it.
   */
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      System.out.println("FAILED " + t);
      t.printStackTrace(System.out);
      System.out.flush();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    List<InetSocketAddress> peers = new ArrayList<>();
    for (String p : args[0].split(",")) {
      int colon = p.lastIndexOf(':');
      peers.add(InetSocketAddress.createUnresolved(p.substring(0, colon),
          Integer.parseInt(p.substring(colon + 1))));
    }
    LockdClient client = LockdClient.connect(
        new LockdClientConfig(peers, args[1], LEASE_MILLIS, 300, 1_000, 1_000),
        new LockdListener() {
          @Override
          public void selfFenced(String why) {
            System.out.println("SELF-FENCED " + why);
            System.out.flush();
          }
        }).get(60, TimeUnit.SECONDS);
    for (int i = 2; i < args.length; i++) {
      String[] op = args[i].split(":");
      if (op[0].equals("lock")) {
        client.lock(new ResourceName(Integer.parseInt(op[2]), Long.parseLong(op[3])),
            LockMode.valueOf(op[1]), false).get(60, TimeUnit.SECONDS);
      } else {
        client.lock(ResourceName.journal(Integer.parseInt(op[1])), LockMode.EX, true)
            .get(60, TimeUnit.SECONDS);
      }
    }
    System.out.println("READY slot=" + client.journalSlot());
    System.out.flush();
    Thread.currentThread().join();
  }
}
