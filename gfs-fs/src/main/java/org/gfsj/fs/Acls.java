package org.gfsj.fs;

import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;

/**
 * POSIX ACLs of inodes (GFS2's acl.c, with the rules of Linux's posix_acl.c): who may set them,
 * how an access ACL and the mode's permission bits stay one (setting the ACL sets the bits, chmod
 * sets the ACL), and what a new inode inherits from its directory's default ACL. The bytes are
 * {@link PosixAcl}'s; {@link Xattrs} stores them as the attributes {@value PosixAcl#ACCESS} and
 * {@value PosixAcl#DEFAULT}; the check itself is {@link AccessCheck}'s. An inode keeps its parsed
 * ACLs in {@link Inode#accessAcl} and {@link Inode#defaultAcl} while cached.
 */
final class Acls {
  private Acls() {}

  static boolean isAclName(String name) {
    return name.equals(PosixAcl.ACCESS) || name.equals(PosixAcl.DEFAULT);
  }

  /** Who may set or remove an ACL, and on what (Linux's set_posix_acl). */
  private static void maySet(Inode in, String name, boolean removing, Caller caller)
      throws FsException {
    if (in.type() == FileType.SYMLINK) {
      throw new FsException(Errno.EOPNOTSUPP, "symlinks have no ACLs");
    }
    if (name.equals(PosixAcl.DEFAULT) && !in.isDirectory() && !removing) {
      throw new FsException(Errno.EACCES, "only a directory has a default ACL; inode " + in.ino()
          + " is not one");
    }
    if (!caller.isRoot() && caller.uid() != in.uid) {
      throw new FsException(Errno.EPERM, caller + " does not own inode " + in.ino()
          + " and may not set its ACL");
    }
  }

  /**
   * Checks and applies setting ACL {@code name} of {@code in} to {@code value}: for the access
   * ACL the mode's permission bits follow it (the group bits from the mask), and the setgid bit
   * goes when the caller is not root and not in the owning group. Returns what to store, or null
   * when the attribute is to go (an empty list, or an access ACL the mode says entirely).
   */
  static byte[] set(Inode in, String name, byte[] value, Caller caller) throws FsException {
    PosixAcl acl;
    try {
      acl = PosixAcl.decode(value);
    } catch (PosixAcl.InvalidAclException e) {
      throw new FsException(e.unknownVersion() ? Errno.EOPNOTSUPP : Errno.EINVAL, name
          + " of inode " + in.ino() + ": " + e.getMessage());
    }
    maySet(in, name, acl == null, caller);
    if (name.equals(PosixAcl.DEFAULT)) {
      in.defaultAcl = acl;
      return acl == null ? null : acl.encode();
    }
    if (acl != null) {
      in.mode = (in.mode & ~0777) | acl.modeBits();
      if (!caller.isRoot() && !caller.inGroup(in.gid)) {
        in.mode &= ~Inode.S_ISGID;
      }
      if (acl.isMinimal()) {
        acl = null;
      }
    }
    in.accessAcl = acl;
    return acl == null ? null : acl.encode();
  }

  /** Checks removing ACL {@code name} of {@code in}; the mode stays as it is. */
  static void remove(Inode in, String name, Caller caller) throws FsException {
    maySet(in, name, true, caller);
    if (name.equals(PosixAcl.DEFAULT)) {
      in.defaultAcl = null;
    } else {
      in.accessAcl = null;
    }
  }

  /** After a chmod: the access ACL that goes with the new mode, or null if there is none. */
  static PosixAcl chmod(Inode in) {
    if (in.accessAcl == null) {
      return null;
    }
    in.accessAcl = in.accessAcl.withMode(in.mode);
    return in.accessAcl;
  }

  /**
   * What a new inode made in {@code dir} with {@code mode} (as the program asked, type bits
   * included) starts with (Linux's posix_acl_create): with a default ACL on the directory, the
   * mode masked by it and, unless minimal, an access ACL, plus the default ACL itself for a
   * subdirectory; the umask is not applied. Without one, the mode less the umask. Symlinks
   * inherit nothing.
   */
  static Inherited inherit(Inode dir, int mode, int umask) {
    PosixAcl def = dir.defaultAcl;
    if (FileType.ofMode(mode) == FileType.SYMLINK) {
      return new Inherited(mode, null, null);
    }
    if (def == null) {
      return new Inherited(mode & ~(umask & 0777), null, null);
    }
    PosixAcl.Inherited i = def.inheritedBy(mode);
    return new Inherited(i.mode(), i.acl(),
        FileType.ofMode(mode) == FileType.DIRECTORY ? def : null);
  }

  /** A new inode's mode, access ACL and default ACL (null: none). */
  record Inherited(int mode, PosixAcl access, PosixAcl defaults) {
    boolean anyAcl() {
      return access != null || defaults != null;
    }
  }
}
