package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.vfs.Caller;
import org.junit.jupiter.api.Test;

/** The POSIX.1e access check: owner, named users, groups ∩ mask, other; and root. */
class AccessCheckTest {
  private static final int FILE = 0100000;
  private static final int DIR = 040000;
  private static final int OWNER = 1000;
  private static final int OWNING_GROUP = 100;
  private static final int R = 4;
  private static final int W = 2;
  private static final int X = 1;

  private static Caller user(int uid, int gid, int... groups) {
    return new Caller(uid, gid, groups, 1);
  }

  /** Checks {@code who} against a file owned by OWNER:OWNING_GROUP with {@code acl}. */
  private static boolean may(PosixAcl acl, Caller who, int want) {
    int mode = FILE | acl.modeBits();
    return AccessCheck.permits(mode, OWNER, OWNING_GROUP, acl, who, want);
  }

  @Test
  void withoutAnAclTheModeDecides() {
    int mode = FILE | 0640;
    assertTrue(AccessCheck.permits(mode, OWNER, OWNING_GROUP, null, user(OWNER, 1), R | W));
    assertFalse(AccessCheck.permits(mode, OWNER, OWNING_GROUP, null, user(OWNER, 1), X));
    assertTrue(AccessCheck.permits(mode, OWNER, OWNING_GROUP, null, user(2000, 2, 100), R));
    assertFalse(AccessCheck.permits(mode, OWNER, OWNING_GROUP, null, user(2000, 2, 100), W));
    assertFalse(AccessCheck.permits(mode, OWNER, OWNING_GROUP, null, user(2000, 2), R));
  }

  @Test
  void theOwnerGetsTheOwnerEntryAloneEvenWhenANamedEntryWouldGiveMore() {
    PosixAcl a = AclText.parse("u::r--,u:1000:rwx,g::rwx,m::rwx,o::rwx");
    assertTrue(may(a, user(OWNER, OWNING_GROUP), R));
    assertFalse(may(a, user(OWNER, OWNING_GROUP), W), "owner bits are r-- only");
  }

  @Test
  void aNamedUserIsLimitedByTheMask() {
    PosixAcl a = AclText.parse("u::rw-,u:1001:rw-,g::---,m::r--,o::---");
    assertTrue(may(a, user(1001, 7), R));
    assertFalse(may(a, user(1001, 7), W), "w is masked off");
    assertFalse(may(a, user(1002, 7), R), "another user falls to other::---");
  }

  @Test
  void aNamedUserEntryDecidesBeforeTheGroupsAndOther() {
    PosixAcl a = AclText.parse("u::rw-,u:1001:---,g::rw-,m::rw-,o::rw-");
    assertFalse(may(a, user(1001, OWNING_GROUP), R), "named user --- wins over group and other");
  }

  @Test
  void anyMatchingGroupEntryThatGrantsEverythingGrants() {
    PosixAcl a = AclText.parse("u::rw-,g::r--,g:200:-w-,g:300:rw-,m::rwx,o::---");
    assertTrue(may(a, user(2000, 200, 300), R | W), "group 300 grants rw");
    assertFalse(may(a, user(2000, 200, 100), R | W), "no one group grants both r and w");
    assertTrue(may(a, user(2000, 200, 100), R), "the owning group grants r");
  }

  @Test
  void aMatchingGroupThatGrantsTooLittleDeniesRatherThanFallingToOther() {
    PosixAcl a = AclText.parse("u::rw-,g::---,g:200:r--,m::rw-,o::rw-");
    assertFalse(may(a, user(2000, 200), W), "in group 200: other::rw- does not apply");
    assertFalse(may(a, user(2000, OWNING_GROUP), R), "in the owning group with ---");
    assertTrue(may(a, user(2000, 7), W), "in no listed group: other applies");
  }

  @Test
  void groupsAreLimitedByTheMaskButOtherIsNot() {
    PosixAcl a = AclText.parse("u::rwx,g::rwx,g:200:rwx,m::r--,o::rwx");
    assertFalse(may(a, user(2000, OWNING_GROUP), W));
    assertFalse(may(a, user(2000, 200), W));
    assertTrue(may(a, user(2000, 7), W), "other::rwx is not masked");
  }

  @Test
  void aMaskOfNothingDeniesNamedEntriesUnlikeLinuxsShortcut() {
    PosixAcl a = AclText.parse("u::rw-,u:1001:rw-,g::r--,m::---,o::r--");
    assertFalse(may(a, user(1001, 7), R), "POSIX.1e: the named user is masked to nothing");
    assertTrue(may(a, user(1002, 7), R), "other::r-- still applies to others");
  }

  @Test
  void rootReadsAndWritesAllButExecutesOnlyWhatSomeoneMay() {
    PosixAcl a = AclText.parse("u::---,u:5:---,g::---,m::---,o::---");
    Caller root = Caller.ROOT;
    assertTrue(may(a, root, R | W));
    assertFalse(may(a, root, X));
    assertTrue(AccessCheck.permits(DIR, OWNER, OWNING_GROUP, a, root, R | W | X),
        "root searches any directory");
    assertTrue(AccessCheck.permits(FILE | 0010, OWNER, OWNING_GROUP, null, root, X));
  }

  @Test
  void theCheckAsksForAllRequestedBits() {
    PosixAcl a = AclText.parse("u::rw-,u:1001:r-x,g::---,m::rwx,o::---");
    assertTrue(may(a, user(1001, 7), R | X));
    assertFalse(may(a, user(1001, 7), R | W));
    assertEquals(0670, a.modeBits() & 0777);
  }
}
