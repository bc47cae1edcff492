package org.gfsj.fs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A POSIX.1e access control list in the form Linux passes through the extended attributes
 * {@value #ACCESS} and {@value #DEFAULT} (include/uapi/linux/posix_acl_xattr.h), which GFSJ stores
 * byte for byte in the inode's extended-attribute block. Unlike every other GFSJ structure it is
 * little-endian, because setfacl, the kernel and NFS all hand it over in that form:
 *
 * <pre>
 *  0  u32 version, 2
 *  4  entries of 8 bytes: u16 tag, u16 permissions (r=4 w=2 x=1), u32 uid or gid
 * </pre>
 *
 * <p>Tags: {@link #USER_OBJ} the owner, {@link #USER} a named user, {@link #GROUP_OBJ} the owning
 * group, {@link #GROUP} a named group, {@link #MASK} the most a named user, the owning group or a
 * named group is granted, {@link #OTHER} everyone else. The id of the four unnamed tags is
 * {@link #UNDEFINED_ID}.
 *
 * <p>A valid list (what {@link #decode} accepts and the constructor demands) holds, in this order:
 * one USER_OBJ, USER entries by ascending uid, one GROUP_OBJ, GROUP entries by ascending gid, a MASK
 * (required when there are named entries, optional otherwise), one OTHER; no id twice, no permission
 * bit beyond rwx. That is the order setfacl and the kernel write, and the order
 * {@code org.gfsj.fs.AccessCheck} walks.
 *
 * <p>The relation to the mode's permission bits, as Linux's posix_acl.c keeps it: the owner bits
 * are USER_OBJ, the other bits OTHER, and the group bits are MASK when there is one, else
 * GROUP_OBJ. {@link #modeBits}, {@link #withMode} and {@link #inheritedBy} are those rules.
 */
public record PosixAcl(List<Entry> entries) {
  public static final String ACCESS = "system.posix_acl_access";
  public static final String DEFAULT = "system.posix_acl_default";

  public static final int VERSION = 2;
  public static final int USER_OBJ = 0x01;
  public static final int USER = 0x02;
  public static final int GROUP_OBJ = 0x04;
  public static final int GROUP = 0x08;
  public static final int MASK = 0x10;
  public static final int OTHER = 0x20;
  public static final int UNDEFINED_ID = -1;

  private static final int HEADER = 4;
  private static final int ENTRY = 8;

  /** One entry; {@code id} is a uid or gid for USER and GROUP, {@link #UNDEFINED_ID} otherwise. */
  public record Entry(int tag, int perm, int id) {
    public Entry {
      if (tag != USER && tag != GROUP) {
        id = UNDEFINED_ID;
      }
    }
  }

  /** An ACL value that is not a valid list: the caller answers EINVAL (EOPNOTSUPP for a version). */
  public static final class InvalidAclException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean unknownVersion;

    InvalidAclException(String message, boolean unknownVersion) {
      super(message);
      this.unknownVersion = unknownVersion;
    }

    /** True when the header names a version other than 2 (Linux answers EOPNOTSUPP). */
    public boolean unknownVersion() {
      return unknownVersion;
    }
  }

  public PosixAcl {
    entries = List.copyOf(entries);
    String problem = problem(entries);
    if (problem != null) {
      throw new IllegalArgumentException("invalid ACL " + entries + ": " + problem);
    }
  }

  /**
   * Decodes and validates an attribute value. Returns null for a value that holds the header and
   * no entries: Linux takes that as "remove the ACL".
   */
  public static PosixAcl decode(byte[] value) throws InvalidAclException {
    if (value.length < HEADER) {
      throw new InvalidAclException("an ACL of " + value.length + " bytes has no header", false);
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    int version = b.getInt(0);
    if (version != VERSION) {
      throw new InvalidAclException("ACL version " + version + ", only version " + VERSION
          + " exists", true);
    }
    if ((value.length - HEADER) % ENTRY != 0) {
      throw new InvalidAclException("an ACL of " + value.length + " bytes is not a header and"
          + " whole entries of " + ENTRY + " bytes", false);
    }
    int count = (value.length - HEADER) / ENTRY;
    if (count == 0) {
      return null;
    }
    List<Entry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int at = HEADER + i * ENTRY;
      entries.add(new Entry(Short.toUnsignedInt(b.getShort(at)),
          Short.toUnsignedInt(b.getShort(at + 2)), b.getInt(at + 4)));
    }
    String problem = problem(entries);
    if (problem != null) {
      throw new InvalidAclException(problem, false);
    }
    return new PosixAcl(entries);
  }

  /** The attribute value: header and entries, little-endian. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER + entries.size() * ENTRY)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VERSION);
    for (Entry e : entries) {
      b.putShort((short) e.tag()).putShort((short) e.perm()).putInt(e.id());
    }
    return b.array();
  }

  /** Why {@code entries} is not a valid ACL, or null when it is. */
  private static String problem(List<Entry> entries) {
    // the states of the walk: which tags may come next
    int state = USER_OBJ;
    boolean named = false;
    long lastId = -1;
    for (Entry e : entries) {
      if ((e.perm() & ~7) != 0) {
        return "entry " + e + " has permission bits beyond rwx";
      }
      switch (e.tag()) {
        case USER_OBJ -> {
          if (state != USER_OBJ) {
            return "the owner entry (user::) must come first, once";
          }
          state = USER;
          lastId = -1;
        }
        case USER, GROUP -> {
          if (state != e.tag()) {
            return "named " + (e.tag() == USER ? "user" : "group") + " entry " + e
                + " out of order (user::, user:ID.., group::, group:ID.., mask::, other::)";
          }
          if (e.id() == UNDEFINED_ID) {
            return "named entry " + e + " has no id";
          }
          long id = Integer.toUnsignedLong(e.id());
          if (id <= lastId) {
            return "named entries must have unique ids in ascending order; "
                + (id == lastId ? "id " + id + " appears twice" : "id " + id + " comes late");
          }
          lastId = id;
          named = true;
        }
        case GROUP_OBJ -> {
          if (state != USER) {
            return "the owning group entry (group::) must follow the user entries, once";
          }
          state = GROUP;
          lastId = -1;
        }
        case MASK -> {
          if (state != GROUP) {
            return "the mask entry (mask::) must follow the group entries, once";
          }
          state = MASK;
        }
        case OTHER -> {
          if (state != MASK && state != GROUP) {
            return "the other entry (other::) must come last, after user::, group:: and mask::";
          }
          if (state == GROUP && named) {
            return "an ACL with named user or group entries needs a mask entry";
          }
          state = 0;
        }
        default -> {
          return "entry " + e + " has unknown tag 0x" + Integer.toHexString(e.tag());
        }
      }
    }
    return state == 0 ? null : "an ACL needs user::, group:: and other:: entries";
  }

  /** The ACL that says what the permission bits of {@code mode} say. */
  public static PosixAcl ofMode(int mode) {
    return new PosixAcl(List.of(new Entry(USER_OBJ, (mode >> 6) & 7, UNDEFINED_ID),
        new Entry(GROUP_OBJ, (mode >> 3) & 7, UNDEFINED_ID),
        new Entry(OTHER, mode & 7, UNDEFINED_ID)));
  }

  /** Whether the ACL says no more than permission bits can (no named entries, no mask). */
  public boolean isMinimal() {
    return entries.size() == 3;
  }

  /** The permission bits (0777) the ACL implies: owner, mask or owning group, other. */
  public int modeBits() {
    int user = 0;
    int group = 0;
    int other = 0;
    Integer mask = null;
    for (Entry e : entries) {
      switch (e.tag()) {
        case USER_OBJ -> user = e.perm();
        case GROUP_OBJ -> group = e.perm();
        case MASK -> mask = e.perm();
        case OTHER -> other = e.perm();
        default -> { }
      }
    }
    return user << 6 | (mask != null ? mask : group) << 3 | other;
  }

  /** The entry with {@code tag} (of the unnamed four), or null. */
  public Entry find(int tag) {
    for (Entry e : entries) {
      if (e.tag() == tag) {
        return e;
      }
    }
    return null;
  }

  /**
   * The ACL after chmod to {@code mode} (Linux's __posix_acl_chmod): the owner and other entries
   * take the owner and other bits; the group bits go to the mask if there is one, else to the
   * owning group entry.
   */
  public PosixAcl withMode(int mode) {
    boolean hasMask = find(MASK) != null;
    List<Entry> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      int perm = switch (e.tag()) {
        case USER_OBJ -> (mode >> 6) & 7;
        case GROUP_OBJ -> hasMask ? e.perm() : (mode >> 3) & 7;
        case MASK -> (mode >> 3) & 7;
        case OTHER -> mode & 7;
        default -> e.perm();
      };
      out.add(new Entry(e.tag(), perm, e.id()));
    }
    return new PosixAcl(out);
  }

  /**
   * What a new inode made with {@code mode} in a directory with this default ACL gets (Linux's
   * posix_acl_create_masq): each of owner, mask (or owning group) and other is the intersection
   * of the ACL's entry and the mode's bits, in both the ACL and the mode; the caller's umask plays
   * no part. {@code acl} is null when the result is minimal, so that only the mode need be kept.
   */
  public Inherited inheritedBy(int mode) {
    boolean hasMask = find(MASK) != null;
    int bits = mode & 0777;
    List<Entry> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      int perm = e.perm();
      switch (e.tag()) {
        case USER_OBJ -> {
          perm &= bits >> 6;
          bits &= perm << 6 | ~0700;
        }
        case GROUP_OBJ, MASK -> {
          if (e.tag() == MASK || !hasMask) {
            perm &= bits >> 3;
            bits &= perm << 3 | ~0070;
          }
        }
        case OTHER -> {
          perm &= bits;
          bits &= perm | ~0007;
        }
        default -> { }
      }
      out.add(new Entry(e.tag(), perm, e.id()));
    }
    PosixAcl acl = new PosixAcl(out);
    return new Inherited((mode & ~0777) | bits, acl.isMinimal() ? null : acl);
  }

  /** A new inode's mode and access ACL (null: the mode says it all). */
  public record Inherited(int mode, PosixAcl acl) {}

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Entry e : entries) {
      s.append(s.length() == 0 ? "" : ",").append(switch (e.tag()) {
        case USER_OBJ -> "user::";
        case USER -> "user:" + Integer.toUnsignedString(e.id()) + ":";
        case GROUP_OBJ -> "group::";
        case GROUP -> "group:" + Integer.toUnsignedString(e.id()) + ":";
        case MASK -> "mask::";
        case OTHER -> "other::";
        default -> "tag" + e.tag() + ":";
      }).append((e.perm() & 4) != 0 ? 'r' : '-').append((e.perm() & 2) != 0 ? 'w' : '-')
          .append((e.perm() & 1) != 0 ? 'x' : '-');
    }
    return s.toString();
  }
}
