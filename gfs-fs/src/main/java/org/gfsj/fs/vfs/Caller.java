package org.gfsj.fs.vfs;

import java.util.Arrays;

/**
 * Who asks: the credentials permission checks run against, as the kernel passes them to FUSE (uid,
 * gid, pid; supplementary groups are looked up from /proc by the front) or as NFS AUTH_UNIX
 * carries them.
 *
 * <p>{@code umask} is the caller's umask when the mode of a create has not yet been masked by it:
 * a new inode in a directory with a default ACL ignores the umask (POSIX.1e), so the filesystem
 * must apply it itself. 0 when the front passes modes already masked, or has no umask (NFS, HTTP).
 */
public record Caller(int uid, int gid, int[] groups, int pid, int umask) {
  public static final Caller ROOT = new Caller(0, 0, new int[0], 0);

  public Caller {
    groups = groups.clone();
    umask &= 0777;
  }

  /** A caller whose modes come already masked. */
  public Caller(int uid, int gid, int[] groups, int pid) {
    this(uid, gid, groups, pid, 0);
  }

  public boolean isRoot() {
    return uid == 0;
  }

  /** Whether the caller is in group {@code g}, as primary or supplementary group. */
  public boolean inGroup(int g) {
    if (gid == g) {
      return true;
    }
    for (int x : groups) {
      if (x == g) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int[] groups() {
    return groups.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Caller c && c.uid == uid && c.gid == gid && c.pid == pid
        && c.umask == umask && Arrays.equals(c.groups, groups);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
  }

  @Override
  public String toString() {
    return "uid " + uid + " gid " + gid + " pid " + pid;
  }
}
