package org.gfsj.lockd.server;

import static org.gfsj.lockd.state.Requests.lock;
import static org.gfsj.lockd.state.Requests.register;
import static org.gfsj.lockd.state.Requests.unlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.PeerEndpoint;

/**
 * A random log: four nodes locking and unlocking three resources in many modes, under leaders
 * that change now and then.
 */
public final class RandomHistory {
  private RandomHistory() {}

  public static List<Batch> of(Random random, int entries) {
    List<Batch> list = new ArrayList<>();
    long[] seq = new long[5];
    Batch.Builder first = Batch.newBuilder().setLeaderTimeMillis(1);
    for (int c = 1; c < 5; c++) {
      first.addRequests(register(c, ++seq[c], "node" + c));
    }
    list.add(first.build());
    LockMode[] modes = LockMode.values();
    for (int i = 1; i < entries; i++) {
      Batch.Builder b = Batch.newBuilder().setLeaderTimeMillis(1 + i);
      if (random.nextInt(20) == 0) {
        // A new leader's client address, stamped as a leader does.
        int leader = 1 + random.nextInt(3);
        b.setLeaderEndpoint(PeerEndpoint.newBuilder().setPeerId("n" + leader)
            .setClientHost("127.0.0.1").setClientPort(7400 + random.nextInt(100)));
      }
      for (int n = random.nextInt(6); n > 0; n--) {
        int c = 1 + random.nextInt(4);
        ResourceName r = new ResourceName(1, random.nextInt(3));
        b.addRequests(random.nextBoolean()
            ? lock(c, ++seq[c], r, modes[random.nextInt(modes.length)])
            : unlock(c, ++seq[c], r));
      }
      list.add(b.build());
    }
    return list;
  }
}
