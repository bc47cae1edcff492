package org.gfsj.lockd.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.gfsj.lockd.core.Holder;
import org.gfsj.lockd.core.LockSpace;
import org.gfsj.lockd.core.Member;
import org.gfsj.lockd.core.MemberState;
import org.gfsj.lockd.core.Resource;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.HolderRecord;
import org.gfsj.lockd.proto.MemberRecord;
import org.gfsj.lockd.proto.PeerEndpoint;
import org.gfsj.lockd.proto.ResourceRecord;
import org.gfsj.lockd.proto.SessionRecord;

/**
 * The snapshot layout: one key/value record per member, resource, client session and peer client
 * address, plus the clock. Keys are a kind byte ('c' clock, 'm' member, 'r' resource, 's' session,
 * 'p' peer client address) and a big-endian ordinal, so that reading them back in key order
 * rebuilds every queue in its original order.
 */
final class SnapshotRecords {
  private SnapshotRecords() {}

  static void write(LockSpace space, ClientSessions sessions, Iterable<PeerEndpoint> endpoints,
      StateSink sink) {
    sink.put(new byte[] {'c'}, ByteBuffer.allocate(8).putLong(space.now()).array());
    long n = 0;
    for (Member m : space.members()) {
      sink.put(LogApplier.key('m', n++), member(m).toByteArray());
    }
    n = 0;
    for (Resource r : space.resources()) {
      sink.put(LogApplier.key('r', n++), resource(r).toByteArray());
    }
    for (SessionRecord s : sessions.records()) {
      sink.put(LogApplier.key('s', s.getClientId()), s.toByteArray());
    }
    n = 0;
    for (PeerEndpoint e : endpoints) {
      sink.put(LogApplier.key('p', n++), e.toByteArray());
    }
  }

  static MemberRecord member(Member m) {
    return MemberRecord.newBuilder()
        .setClientId(m.clientId())
        .setName(m.name())
        .setSlot(m.slot())
        .setLeaseMillis(m.leaseMillis())
        .setState(m.state().name())
        .setLeaseExpiry(m.leaseExpiry())
        .setDetail(m.detail())
        .setRecoverer(m.recoverer())
        .build();
  }

  static ResourceRecord resource(Resource r) {
    ResourceRecord.Builder b = ResourceRecord.newBuilder()
        .setResource(WireTypes.resource(r.name()))
        .setValueBlock(ByteString.copyFrom(r.valueBlock()))
        .setValueBlockInvalid(!r.valueBlockValid());
    for (Holder h : r.grantedHolders()) {
      b.addGranted(holder(h.owner(), h, true));
    }
    for (Holder h : r.convertingHolders()) {
      b.addConverting(holder(h.owner(), h, false));
    }
    for (Holder h : r.waitingHolders()) {
      b.addWaiting(holder(h.owner(), h, false));
    }
    return b.build();
  }

  private static HolderRecord holder(long owner, Holder h, boolean granted) {
    return HolderRecord.newBuilder()
        .setOwner(owner)
        .setMode(WireTypes.mode(granted ? h.granted() : h.requested()))
        .setBlockingSent(granted ? LockSpace.blockingSent(h) : 0)
        .build();
  }

  static void read(Iterable<StateSink.Entry> records, LockSpace space, ClientSessions sessions,
      Consumer<PeerEndpoint> endpoints) {
    try {
      for (StateSink.Entry e : records) {
        switch (e.key()[0]) {
          case 'c' -> space.restoreClock(ByteBuffer.wrap(e.value()).getLong());
          case 'm' -> {
            MemberRecord m = MemberRecord.parseFrom(e.value());
            space.restoreMember(m.getClientId(), m.getName(), m.getSlot(), m.getLeaseMillis(),
                MemberState.valueOf(m.getState()), m.getLeaseExpiry(), m.getDetail(),
                m.getRecoverer());
          }
          case 'r' -> {
            ResourceRecord r = ResourceRecord.parseFrom(e.value());
            ResourceName name = WireTypes.resource(r.getResource());
            space.restoreValueBlock(name, r.getValueBlock().toByteArray(),
                !r.getValueBlockInvalid());
            for (HolderRecord h : r.getGrantedList()) {
              space.restoreGranted(name, h.getOwner(), WireTypes.mode(h.getMode()),
                  h.getBlockingSent());
            }
            for (HolderRecord h : r.getConvertingList()) {
              space.restoreConversion(name, h.getOwner(), WireTypes.mode(h.getMode()));
            }
            for (HolderRecord h : r.getWaitingList()) {
              space.restoreWaiter(name, h.getOwner(), WireTypes.mode(h.getMode()));
            }
          }
          case 's' -> sessions.restore(SessionRecord.parseFrom(e.value()));
          case 'p' -> endpoints.accept(PeerEndpoint.parseFrom(e.value()));
          default -> throw new IllegalStateException("unknown snapshot record kind "
              + (char) e.key()[0] + "; the snapshot was written by a newer lockd");
        }
      }
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("corrupt lockd snapshot record: " + ex.getMessage()
          + "; remove the snapshot directory so the peer catches up from the others", ex);
    }
  }
}
