package org.gfsj.lockd.state;

import static org.gfsj.lockd.state.Requests.lock;
import static org.gfsj.lockd.state.Requests.register;
import static org.gfsj.lockd.state.Requests.unlock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.MemberState;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.Leave;
import org.gfsj.lockd.proto.Mode;
import org.gfsj.lockd.proto.Renew;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.Resync;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.Status;
import org.gfsj.lockd.server.RandomHistory;
import org.junit.jupiter.api.Test;

class LogApplierTest {
  private static final ResourceName R = new ResourceName(2, 77);

  private final LogApplier applier = new LogApplier(Compatibility.STANDARD);

  private List<ServerFrame> apply(long time, Request... requests) {
    return applier.apply(Batch.newBuilder().setLeaderTimeMillis(time)
        .addAllRequests(List.of(requests)).build());
  }

  @Test
  void oneEntryCarriesManyClientsAndHandsOffInside() {
    List<ServerFrame> frames = apply(100,
        register(1, 1, "a"), register(2, 1, "b"),
        lock(1, 2, R, LockMode.EX), lock(2, 2, R, LockMode.EX), unlock(1, 3, R));
    List<String> seen = new ArrayList<>();
    for (ServerFrame f : frames) {
      seen.add(f.hasReply()
          ? "reply " + f.getReply().getClientId() + "/" + f.getReply().getSeq() + " "
              + f.getReply().getStatus()
          : "event " + f.getEvent().getClientId() + " " + f.getEvent().getKindCase());
    }
    assertEquals(List.of("reply 1/1 OK", "reply 2/1 OK", "reply 1/2 GRANTED",
        "event 1 BLOCKING", "reply 2/2 QUEUED", "event 2 GRANTED", "reply 1/3 OK"), seen);
  }

  @Test
  void aRetriedRequestIsAnsweredAgainButAppliedOnce() {
    apply(100, register(1, 1, "a"), register(2, 1, "b"));
    ServerFrame first = apply(101, lock(1, 2, R, LockMode.PR)).get(0);
    apply(102, unlock(1, 3, R), lock(2, 2, R, LockMode.EX));
    ServerFrame again = apply(103, lock(1, 2, R, LockMode.PR)).get(0);
    assertEquals(first, again);
    assertEquals(LockMode.EX,
        applier.space().resource(R).grantedHolders().iterator().next().granted());
  }

  @Test
  void acknowledgedRepliesAreForgottenAndTheirReplaysDropped() {
    apply(100, register(1, 1, "a"));
    apply(101, lock(1, 2, R, LockMode.PR));
    Request unlockAcking = unlock(1, 3, R).toBuilder().setAckedBelow(3).build();
    apply(102, unlockAcking);
    assertEquals(List.of(), apply(103, lock(1, 2, R, LockMode.PR)));
    assertTrue(applier.space().resources().isEmpty());
  }

  @Test
  void malformedRequestsAreRefusedWithoutHarm() {
    apply(100, register(1, 1, "a"));
    List<ServerFrame> frames = apply(100,
        Request.newBuilder().setClientId(1).setSeq(2).build(),
        lock(1, 0, R, LockMode.EX),
        lock(1, 3, R, LockMode.EX).toBuilder()
            .setLock(lock(1, 3, R, LockMode.EX).getLock().toBuilder().setModeValue(42)).build(),
        unlock(1, 4, R).toBuilder().setUnlock(unlock(1, 4, R).getUnlock().toBuilder()
            .setValueBlock(ByteString.copyFrom(new byte[65]))).build());
    for (ServerFrame f : frames) {
      assertEquals(Status.REFUSED, f.getReply().getStatus(), f.toString());
      assertFalse(f.getReply().getError().isEmpty());
    }
    assertTrue(applier.space().resources().isEmpty());
  }

  @Test
  void resyncListsHoldingsAndWhomTheyBlock() {
    apply(100, register(1, 1, "a"), register(2, 1, "b"),
        lock(1, 2, R, LockMode.PR), lock(2, 2, R, LockMode.EX));
    ServerFrame f = apply(101, Request.newBuilder().setClientId(1).setSeq(3)
        .setResync(Resync.getDefaultInstance()).build()).get(0);
    assertEquals(1, f.getReply().getHoldingsCount());
    assertEquals(Mode.PR, f.getReply().getHoldings(0).getGranted());
    assertEquals(List.of(Mode.EX), f.getReply().getHoldings(0).getBlockedModesList());
  }

  @Test
  void leasesLapseAtTheLeaderTimeInTheLog() {
    // expire_leases, as leaders before expire_leases_of wrote it: every lapsed member.
    apply(1_000, register(1, 1, "a"));
    applier.apply(Batch.newBuilder().setLeaderTimeMillis(10_999).setExpireLeases(true).build());
    assertEquals(MemberState.LIVE, applier.space().member(1).state());
    applier.apply(Batch.newBuilder().setLeaderTimeMillis(11_000).setExpireLeases(true).build());
    assertEquals(MemberState.SUSPECTED, applier.space().member(1).state());
  }

  @Test
  void anEntryLapsesTheMembersItNamesUnlessARenewalCameFirst() {
    apply(1_000, register(1, 1, "a"), register(2, 1, "b"), register(3, 1, "c"));
    apply(11_500, Request.newBuilder().setClientId(2).setSeq(2)
        .setRenew(Renew.getDefaultInstance()).build());
    applier.apply(Batch.newBuilder().setLeaderTimeMillis(11_600)
        .addAllExpireLeasesOf(List.of(1L, 2L)).build());
    assertEquals(MemberState.SUSPECTED, applier.space().member(1).state());
    assertEquals(MemberState.LIVE, applier.space().member(2).state(), "renewed before the entry");
    assertEquals(MemberState.LIVE, applier.space().member(3).state(), "lapsed, but not named");
  }

  @Test
  void snapshotRecordsRebuildTheSameStateAndTheSameFuture() {
    Random random = new Random(7);
    LogApplier other = new LogApplier(Compatibility.STANDARD);
    List<Batch> history = RandomHistory.of(random, 300);
    for (Batch b : history.subList(0, 150)) {
      applier.apply(b);
    }
    List<StateSink.Entry> records = new ArrayList<>();
    applier.writeTo((k, v) -> records.add(new StateSink.Entry(k, v)));
    other.restore(records);
    assertArrayEquals(applier.digest(), other.digest());
    for (String peer : List.of("n1", "n2", "n3")) {
      assertEquals(applier.clientEndpoint(peer), other.clientEndpoint(peer), peer);
    }
    for (Batch b : history.subList(150, 300)) {
      assertEquals(applier.apply(b), other.apply(b));
    }
    assertArrayEquals(applier.digest(), other.digest());
  }

  @Test
  void nodesThatComeAndGoDoNotGrowTheStateForever() {
    for (long c = 1; c <= 200; c++) {
      apply(c, register(c, 1, "node" + c),
          Request.newBuilder().setClientId(c).setSeq(2)
              .setLeave(Leave.getDefaultInstance()).build());
    }
    apply(300, register(500, 1, "stays"));
    assertEquals(LogApplier.LEFT_MEMBERS_KEPT + 1, applier.space().members().size());
    assertEquals(MemberState.LIVE, applier.space().member(500).state());
    assertEquals(200, applier.space().members().stream()
        .filter(m -> m.state() == MemberState.LEFT).mapToLong(m -> m.clientId()).max()
        .orElse(0));
    // The forgotten clients' sessions went with them: a late retry is refused, not replayed.
    List<ServerFrame> late = apply(301, lock(1, 3, R, LockMode.EX));
    assertEquals(Status.REFUSED, late.get(0).getReply().getStatus());
  }
}
