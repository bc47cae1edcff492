package org.gfsj.lockd.core;

import static org.gfsj.lockd.core.LockMode.CR;
import static org.gfsj.lockd.core.LockMode.CW;
import static org.gfsj.lockd.core.LockMode.EX;
import static org.gfsj.lockd.core.LockMode.NL;
import static org.gfsj.lockd.core.LockMode.PR;
import static org.gfsj.lockd.core.LockMode.PW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.gfsj.lockd.core.Answer.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LockSpaceTest {
  private static final ResourceName INODE = new ResourceName(2, 0x1234);
  private static final long A = 1;
  private static final long B = 2;
  private static final long C = 3;
  private static final long D = 4;

  private LockSpace space;
  private RecordingOutbox out;

  @BeforeEach
  void threeLiveNodes() {
    space = new LockSpace();
    out = new RecordingOutbox();
    space.advanceClock(1_000);
    for (long id : new long[] {A, B, C, D}) {
      assertEquals(Status.OK, space.register(id, "node" + id, 5_000).status());
    }
  }

  private Status lock(long owner, LockMode mode) {
    return space.lock(owner, INODE, mode, false, out).status();
  }

  private Holder holder(long owner) {
    return space.resource(INODE).holder(owner);
  }

  @Test
  void compatibleModesAreGrantedTogether() {
    assertEquals(Status.GRANTED, lock(A, PR));
    assertEquals(Status.GRANTED, lock(B, PR));
    assertEquals(Status.GRANTED, lock(C, CR));
    assertEquals(List.of(), out.take());
  }

  @Test
  void releaseHandsTheLockToTheWaiterInTheSameCall() {
    lock(A, EX);
    assertEquals(Status.QUEUED, lock(B, PR));
    assertEquals(List.of("blocking 1 2/1234 PR"), out.take());
    assertEquals(Status.OK, space.unlock(A, INODE, null, out).status());
    assertEquals(List.of("granted 2 2/1234 PR"), out.take());
    assertEquals(PR, holder(B).granted());
  }

  @Test
  void waitersAreGrantedInArrivalOrderAndNoneJumpsTheQueue() {
    lock(A, PR);
    assertEquals(Status.QUEUED, lock(B, EX));
    // C's PR is compatible with A's PR, but granting it would starve B.
    assertEquals(Status.QUEUED, lock(C, PR));
    out.take();
    space.unlock(A, INODE, null, out);
    assertEquals(List.of("granted 2 2/1234 EX", "blocking 2 2/1234 PR"), out.take());
    space.unlock(B, INODE, null, out);
    assertEquals(List.of("granted 3 2/1234 PR"), out.take());
  }

  @Test
  void conversionsAreGrantedBeforeWaiters() {
    lock(A, PR);
    lock(B, PR);
    assertEquals(Status.QUEUED, lock(C, PW));
    assertEquals(Status.QUEUED, space.convert(A, INODE, EX, false, null, out).status());
    out.take();
    space.unlock(B, INODE, null, out);
    assertEquals(List.of("granted 1 2/1234 EX", "blocking 1 2/1234 PW"), out.take());
    assertNull(holder(C).granted());
  }

  @Test
  void downConversionIsImmediateEvenWithConversionsQueued() {
    lock(A, PW);
    lock(B, CR);
    assertEquals(Status.QUEUED, space.convert(B, INODE, PR, false, null, out).status());
    out.take();
    Answer down = space.convert(A, INODE, CR, false, null, out);
    assertEquals(Status.GRANTED, down.status());
    assertEquals(List.of("granted 2 2/1234 PR"), out.take());
  }

  @Test
  void conversionThatWouldWaitForeverIsRefusedAsDeadlock() {
    lock(A, PR);
    lock(B, PR);
    assertEquals(Status.QUEUED, space.convert(A, INODE, EX, false, null, out).status());
    Answer second = space.convert(B, INODE, EX, false, null, out);
    assertEquals(Status.DEADLOCK, second.status());
    assertEquals(PR, holder(B).granted());
    assertNull(holder(B).requested());
    space.unlock(B, INODE, null, out);
    assertEquals(EX, holder(A).granted());
  }

  @Test
  void noQueueRequestFailsWithoutChangingAnything() {
    lock(A, EX);
    out.take();
    assertEquals(Status.NOT_GRANTED, space.lock(B, INODE, PR, true, out).status());
    assertNull(holder(B));
    assertEquals(List.of(), out.take());
    lock(C, NL);
    assertEquals(Status.NOT_GRANTED, space.convert(C, INODE, CR, true, null, out).status());
    assertEquals(NL, holder(C).granted());
    assertEquals(Status.GRANTED, space.lock(B, new ResourceName(2, 99), EX, true, out).status());
  }

  @Test
  void releasedResourceWithoutValueBlockIsForgotten() {
    lock(A, EX);
    space.unlock(A, INODE, null, out);
    assertNull(space.resource(INODE));
  }

  @Test
  void valueBlockIsWrittenByExclusiveHolderAndReadByTheNextGrant() {
    byte[] lvb = "gen=7".getBytes(StandardCharsets.UTF_8);
    lock(A, EX);
    lock(B, PR);
    space.unlock(A, INODE, lvb, out);
    assertArrayEquals(lvb, out.grantedValueBlocks.get(0));
    // A protected reader cannot publish.
    space.unlock(B, INODE, "junk".getBytes(StandardCharsets.UTF_8), out);
    Answer next = space.lock(C, INODE, PR, false, out);
    assertArrayEquals(lvb, next.valueBlock());
    assertTrue(next.valueBlockValid());
  }

  @Test
  void downConversionPublishesTheValueBlock() {
    byte[] lvb = {1, 2, 3};
    lock(A, PW);
    space.convert(A, INODE, PR, false, lvb, out);
    assertArrayEquals(lvb, space.lock(B, INODE, PR, false, out).valueBlock());
  }

  @Test
  void blockingIsSentOncePerModeUntilTheHolderChangesMode() {
    lock(A, PW);
    lock(B, EX);
    lock(C, EX);
    assertEquals(List.of("blocking 1 2/1234 EX"), out.take());
    space.unlock(B, INODE, null, out);
    assertEquals(List.of(), out.take());
    space.convert(A, INODE, CR, false, null, out);
    assertEquals(List.of("blocking 1 2/1234 EX"), out.take());
  }

  @Test
  void unlockCancelsAPendingRequest() {
    lock(A, EX);
    lock(B, PR);
    lock(C, CW);
    space.unlock(B, INODE, null, out);
    out.take();
    space.unlock(A, INODE, null, out);
    assertEquals(List.of("granted 3 2/1234 CW"), out.take());
  }

  @Test
  void misuseIsRefusedWithAReason() {
    lock(A, PR);
    Answer twice = space.lock(A, INODE, EX, false, out);
    assertEquals(Status.REFUSED, twice.status());
    assertTrue(twice.error().contains("use convert"), twice.error());
    assertEquals(Status.REFUSED, space.unlock(B, INODE, null, out).status());
    assertEquals(Status.REFUSED, space.convert(B, INODE, EX, false, null, out).status());
    Answer stranger = space.lock(99, INODE, PR, false, out);
    assertTrue(stranger.error().contains("register"), stranger.error());
  }

  @Test
  void membersGetTheLowestFreeSlotAndKeepItAcrossRestarts() {
    assertEquals(0, space.member(A).slot());
    assertEquals(3, space.member(D).slot());
    space.leave(B, out);
    assertEquals(Status.OK, space.register(10, "node10", 5_000).status());
    assertEquals(1, space.member(10).slot());
    space.leave(C, out);
    assertEquals(Status.OK, space.register(11, "node3", 5_000).status());
    assertEquals(2, space.member(11).slot());
    assertEquals(Status.REFUSED, space.register(12, "node1", 5_000).status());
  }

  @Test
  void leaseLapsesOnlyWhenTheLeaderSaysSo() {
    space.advanceClock(5_999);
    assertEquals(List.of(), space.expireLeases());
    space.renew(A);
    space.advanceClock(6_000);
    List<Member> lapsed = space.expireLeases();
    assertEquals(List.of(B, C, D), lapsed.stream().map(Member::clientId).toList());
    assertEquals(MemberState.LIVE, space.member(A).state());
    assertEquals(Status.REFUSED, space.renew(B).status());
    space.advanceClock(1);
    assertEquals(6_000, space.now());
  }

  @Test
  void theLeaderLapsesOnlyTheMembersItNamesThatAreStillLapsed() {
    space.advanceClock(6_000);
    // The leader saw A, B and D lapse; B's renewal was applied before the entry that says so.
    space.renew(B);
    List<Member> lapsed = space.expireLeases(List.of(A, B, D));
    assertEquals(List.of(A, D), lapsed.stream().map(Member::clientId).toList());
    assertEquals(MemberState.LIVE, space.member(B).state());
    assertEquals(MemberState.LIVE, space.member(C).state(), "C was lapsed but not named");
    assertEquals(MemberState.SUSPECTED, space.member(A).state());
    // Named again, or unknown: nothing changes.
    assertEquals(List.of(), space.expireLeases(List.of(A, 99L)));
  }

  @Test
  void fencingDropsSharedHoldsKeepsStrongOnesUntilTheJournalIsReplayed() {
    ResourceName shared = new ResourceName(2, 1);
    ResourceName strong = new ResourceName(2, 2);
    space.lock(B, shared, PR, false, out);
    space.lock(B, strong, EX, false, out);
    space.lock(B, INODE, CW, false, out);
    space.lock(A, shared, EX, false, out);
    space.lock(A, strong, PR, false, out);
    space.lock(A, INODE, PR, false, out);
    space.advanceClock(20_000);
    space.renew(A);
    space.renew(C);
    space.expireLeases();
    assertEquals(MemberState.SUSPECTED, space.member(B).state());
    out.take();

    space.fenceResult(B, false, "agent exit 1", out);
    assertEquals(MemberState.SUSPECTED, space.member(B).state());
    assertTrue(space.member(B).detail().contains("agent exit 1"));
    assertEquals(List.of(), out.take());

    space.fenceResult(B, true, "", out);
    assertEquals(MemberState.FENCED, space.member(B).state());
    assertEquals(List.of("granted 1 2/1 EX"), out.take());
    assertNull(space.resource(strong).holder(A).granted());

    // Another live node claims the journal; the dead node's strong locks stay until the report.
    ResourceName journal = ResourceName.journal(space.member(B).slot());
    assertEquals(Status.GRANTED, space.lock(C, journal, EX, true, out).status());
    assertEquals(MemberState.RECOVERING, space.member(B).state());
    assertEquals(C, space.member(B).recoverer());
    assertEquals(Status.REFUSED, space.journalRecovered(A, 1, out).status());
    assertEquals(EX, space.resource(strong).holder(B).granted());

    assertEquals(Status.OK, space.journalRecovered(C, 1, out).status());
    assertEquals(MemberState.LEFT, space.member(B).state());
    assertEquals(List.of("granted 1 2/2 PR", "granted 1 2/1234 PR"), out.take());
    assertFalse(space.resource(strong).valueBlockValid());
    assertTrue(GrantInvariants.violations(space).isEmpty());
  }

  @Test
  void recoveryPassesToAnotherNodeWhenTheRecovererDies() {
    space.advanceClock(7_000);
    space.renew(A);
    space.renew(C);
    space.expireLeases();
    space.fenceResult(B, true, "", out);
    space.fenceResult(D, true, "", out);
    ResourceName journalB = ResourceName.journal(1);
    space.lock(C, journalB, EX, true, out);
    // C dies midway; its claim on B's journal is a strong hold and stays.
    space.advanceClock(13_000);
    space.renew(A);
    space.expireLeases();
    space.fenceResult(C, true, "", out);
    assertEquals(Status.NOT_GRANTED, space.lock(A, journalB, EX, true, out).status());
    space.lock(A, ResourceName.journal(2), EX, true, out);
    space.journalRecovered(A, 2, out);
    assertEquals(MemberState.LEFT, space.member(C).state());
    assertEquals(Status.GRANTED, space.lock(A, journalB, EX, true, out).status());
    assertEquals(A, space.member(B).recoverer());
    assertEquals(Status.OK, space.journalRecovered(A, 1, out).status());
  }

  @Test
  void holdingsTellAReconnectingClientWhatItHoldsAndWhomItBlocks() {
    lock(A, PR);
    lock(B, EX);
    List<LockSpace.Holding> a = space.holdingsOf(A);
    assertEquals(1, a.size());
    assertEquals(PR, a.get(0).granted());
    assertEquals(List.of(EX), a.get(0).blockedModes());
    assertEquals(EX, space.holdingsOf(B).get(0).requested());
  }
}
