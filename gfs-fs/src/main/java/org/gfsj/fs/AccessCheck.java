package org.gfsj.fs;

import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.vfs.Caller;

/**
 * Whether a caller may read, write or execute/search an inode: the POSIX.1e access check (Linux's
 * generic_permission with posix_acl_permission), over the inode's owner, group, mode and access
 * ACL.
 *
 * <p>The algorithm, first match decides:
 * <ol>
 *   <li>root: may read and write anything, search any directory, and execute a file that someone
 *       may execute (an x bit in the mode);
 *   <li>the owner: the owner bits (which equal the ACL's user:: entry);
 *   <li>without an ACL: the group bits if the caller is in the owning group, else the other bits;
 *   <li>a named user entry for the caller's uid: its bits ∩ mask;
 *   <li>the owning group and the named groups the caller is in: granted if any one of them, ∩
 *       mask, grants everything asked; denied if the caller is in some such group but none does;
 *   <li>the other entry.
 * </ol>
 *
 * <p>Linux skips the ACL when the mode's group bits (the mask) are all zero and falls back to the
 * other bits, so that a named user of a file with mask::--- is treated as "other" there. GFSJ
 * follows POSIX.1e instead: that user is denied, as the mask says.
 */
final class AccessCheck {
  static final int READ = 4;
  static final int WRITE = 2;
  static final int EXECUTE = 1;

  private AccessCheck() {}

  /**
   * Whether {@code caller} may do all of {@code want} (r=4, w=2, x=1) to an inode of {@code mode}
   * (type bits included) owned by {@code uid}:{@code gid} with access ACL {@code acl} (null: none).
   */
  static boolean permits(int mode, int uid, int gid, PosixAcl acl, Caller caller, int want) {
    want &= 7;
    if (caller.isRoot()) {
      return (want & EXECUTE) == 0 || FileType.ofMode(mode) == FileType.DIRECTORY
          || (mode & 0111) != 0;
    }
    if (caller.uid() == uid) {
      return grants(mode >> 6, want);
    }
    if (acl == null) {
      return grants(caller.inGroup(gid) ? mode >> 3 : mode, want);
    }
    PosixAcl.Entry mask = acl.find(PosixAcl.MASK);
    int limit = mask == null ? 7 : mask.perm();
    boolean inSomeGroup = false;
    for (PosixAcl.Entry e : acl.entries()) {
      switch (e.tag()) {
        case PosixAcl.USER -> {
          if (e.id() == caller.uid()) {
            return grants(e.perm() & limit, want);
          }
        }
        case PosixAcl.GROUP_OBJ, PosixAcl.GROUP -> {
          int g = e.tag() == PosixAcl.GROUP_OBJ ? gid : e.id();
          if (caller.inGroup(g)) {
            inSomeGroup = true;
            if (grants(e.perm() & limit, want)) {
              return true;
            }
          }
        }
        case PosixAcl.OTHER -> {
          return !inSomeGroup && grants(e.perm(), want);
        }
        default -> { }
      }
    }
    return false;
  }

  private static boolean grants(int bits, int want) {
    return (bits & want) == want;
  }
}
