package org.gfsj.lockd.state;

import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.Lock;
import org.gfsj.lockd.proto.Register;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.Unlock;

/** Builders for the requests tests send. */
public final class Requests {
  private Requests() {}

  public static Request register(long client, long seq, String name) {
    return Request.newBuilder().setClientId(client).setSeq(seq)
        .setRegister(Register.newBuilder().setNodeName(name).setLeaseMillis(10_000)).build();
  }

  public static Request lock(long client, long seq, ResourceName r, LockMode mode) {
    return Request.newBuilder().setClientId(client).setSeq(seq)
        .setLock(Lock.newBuilder().setResource(WireTypes.resource(r)).setMode(WireTypes.mode(mode)))
        .build();
  }

  public static Request unlock(long client, long seq, ResourceName r) {
    return Request.newBuilder().setClientId(client).setSeq(seq)
        .setUnlock(Unlock.newBuilder().setResource(WireTypes.resource(r))).build();
  }
}
