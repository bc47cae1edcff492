package org.gfsj.lockd.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.core.Holder;
import org.gfsj.lockd.core.Resource;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.server.RandomHistory;
import org.junit.jupiter.api.Test;

/**
 * Entries whose bytes were damaged or made up: whatever parses is applied without an exception
 * and without breaking the lock space's invariants, and two replicas fed the same bytes stay
 * identical.
 */
class MalformedBatchTest {

  @Test
  void damagedEntriesNeverThrowAndReplicasStayIdentical() {
    Random random = new Random(5);
    LogApplier a = new LogApplier(Compatibility.STANDARD);
    LogApplier b = new LogApplier(Compatibility.STANDARD);
    List<Batch> history = RandomHistory.of(random, 400);
    int applied = 0;
    for (Batch good : history) {
      byte[] bytes = good.toByteArray();
      if (random.nextInt(3) == 0 && bytes.length > 0) {
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      Batch batch;
      try {
        batch = Batch.parseFrom(bytes);
      } catch (InvalidProtocolBufferException rejectedByEveryReplica) {
        continue;
      }
      a.apply(batch);
      b.apply(batch);
      applied++;
      for (Resource r : a.space().resources()) {
        List<Holder> granted = new ArrayList<>(r.grantedHolders());
        for (int i = 0; i < granted.size(); i++) {
          for (int j = i + 1; j < granted.size(); j++) {
            assertTrue(Compatibility.STANDARD.compatible(granted.get(i).granted(),
                granted.get(j).granted()), r.name() + " holds incompatible modes");
          }
        }
      }
    }
    assertTrue(applied > 300);
    assertArrayEquals(a.digest(), b.digest());
  }
}
