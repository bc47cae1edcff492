package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.FileType;
import org.gfsj.fs.format.MetadataHeader;
import org.gfsj.fs.format.MetadataType;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.format.XattrBlock;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.Vfs;

/**
 * Extended attributes (GFS2's xattr.c), in the user, trusted and security namespaces, with their
 * Linux permission rules: user.* follows the file's read and write permission and exists only on
 * regular files and directories; trusted.* is root's alone, invisible to others; security.* is
 * readable by all and written by root. Of the system namespace, the two POSIX ACLs
 * ({@value PosixAcl#ACCESS}, {@value PosixAcl#DEFAULT}), readable by all and set by the owner under
 * {@link Acls}' rules.
 *
 * <p>All of an inode's attributes live in one block ({@link XattrBlock}) named by the dinode. The
 * block is written whole at each change, inside the operation's transaction; it is freed with its
 * last attribute.
 */
final class Xattrs {
  static final int MAX_NAME = 255;
  static final int MAX_VALUE = 65536;

  private final BufferCache cache;
  private final Allocator allocator;

  Xattrs(BufferCache cache, Allocator allocator) {
    this.cache = cache;
    this.allocator = allocator;
  }

  /** Every attribute of {@code in}, by name. */
  private TreeMap<String, byte[]> read(Inode in) throws IOException {
    return read(in, cache);
  }

  private static TreeMap<String, byte[]> read(Inode in, BufferCache cache) throws IOException {
    if (in.xattrBlock == 0) {
      return new TreeMap<>();
    }
    ByteBuffer b = cache.read(in.xattrBlock, in.glock(),
        (data, address) -> MetadataHeader.check(data, MetadataType.XATTR, address)).data;
    return XattrBlock.decode(b, in.xattrBlock);
  }

  private void write(Inode in, TreeMap<String, byte[]> attrs, FsTransaction tx)
      throws IOException {
    int bs = cache.blockSize();
    int size = XattrBlock.size(attrs);
    if (size > bs) {
      throw new FsException(Errno.ENOSPC, "the extended attributes of inode " + in.ino()
          + " would take " + size + " bytes; one block of " + bs + " holds them all");
    }
    if (attrs.isEmpty()) {
      if (in.xattrBlock != 0) {
        allocator.free(tx, in.xattrBlock, 1, false);
        tx.revoke(in.xattrBlock);
        in.xattrBlock = 0;
        in.addBlocks(-1);
      }
      return;
    }
    if (in.xattrBlock == 0) {
      allocator.reserve(1, tx);
      in.xattrBlock = allocator.blocks(tx, in.ino() + 1, 1).start();
      in.addBlocks(1);
    }
    BufferCache.Buffer buf = cache.fresh(in.xattrBlock, in.glock());
    XattrBlock.encode(buf.data, in.xattrBlock, attrs);
    tx.change(buf);
  }

  /**
   * Parses the ACLs of {@code in} into its fields, as the inode is loaded: the permission check
   * needs the access ACL on every call, so it is read once per inode the cache holds.
   */
  static void loadAcls(Inode in, BufferCache cache) throws IOException {
    if (in.xattrBlock == 0) {
      return;
    }
    TreeMap<String, byte[]> attrs = read(in, cache);
    in.accessAcl = storedAcl(in, attrs, PosixAcl.ACCESS);
    in.defaultAcl = storedAcl(in, attrs, PosixAcl.DEFAULT);
  }

  private static PosixAcl storedAcl(Inode in, TreeMap<String, byte[]> attrs, String name)
      throws CorruptMetadataException {
    byte[] v = attrs.get(name);
    if (v == null) {
      return null;
    }
    try {
      return PosixAcl.decode(v);
    } catch (PosixAcl.InvalidAclException e) {
      throw new CorruptMetadataException(in.xattrBlock, "inode " + in.ino() + "'s " + name
          + " is no valid ACL: " + e.getMessage());
    }
  }

  /** After a chmod of {@code in}: its access ACL, if it has one, takes the new mode's bits. */
  void modeChanged(Inode in, FsTransaction tx) throws IOException {
    PosixAcl acl = Acls.chmod(in);
    if (acl != null) {
      TreeMap<String, byte[]> attrs = read(in);
      attrs.put(PosixAcl.ACCESS, acl.encode());
      write(in, attrs, tx);
    }
  }

  /**
   * Gives the new inode {@code in} its mode and ACLs from its directory {@code dir} and the
   * caller's {@code umask} ({@link Acls#inherit}). The caller reserved a block for the attributes
   * when the directory has a default ACL.
   */
  void inherit(Inode dir, Inode in, int umask, FsTransaction tx) throws IOException {
    Acls.Inherited i = Acls.inherit(dir, in.mode, umask);
    in.mode = i.mode();
    if (!i.anyAcl()) {
      return;
    }
    TreeMap<String, byte[]> attrs = new TreeMap<>();
    if (i.access() != null) {
      attrs.put(PosixAcl.ACCESS, i.access().encode());
    }
    if (i.defaults() != null) {
      attrs.put(PosixAcl.DEFAULT, i.defaults().encode());
    }
    in.accessAcl = i.access();
    in.defaultAcl = i.defaults();
    write(in, attrs, tx);
  }

  private enum Namespace { USER, TRUSTED, SECURITY, SYSTEM }

  private static Namespace namespace(String name) throws FsException {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
      throw new FsException(Errno.ERANGE, "attribute name longer than " + MAX_NAME + " bytes");
    }
    if (name.startsWith("user.") && name.length() > 5) {
      return Namespace.USER;
    }
    if (name.startsWith("trusted.") && name.length() > 8) {
      return Namespace.TRUSTED;
    }
    if (name.startsWith("security.") && name.length() > 9) {
      return Namespace.SECURITY;
    }
    if (Acls.isAclName(name)) {
      return Namespace.SYSTEM;
    }
    throw new FsException(Errno.EOPNOTSUPP, "attribute '" + name + "': only the user, trusted"
        + " and security namespaces and the system namespace's POSIX ACLs are supported");
  }

  /** Whether {@code caller} may see attribute {@code name} of {@code in} at all. */
  private static boolean visible(Namespace ns, Inode in, Caller caller) {
    return ns != Namespace.TRUSTED || caller.isRoot();
  }

  private static void mayRead(Namespace ns, Inode in, Caller caller) throws FsException {
    if (ns == Namespace.USER && !in.permits(caller, Vfs.R_OK)) {
      throw new FsException(Errno.EACCES, caller + " may not read inode " + in.ino());
    }
  }

  private static void mayWrite(Namespace ns, Inode in, Caller caller) throws FsException {
    switch (ns) {
      case USER -> {
        FileType t = in.type();
        if (t != FileType.REGULAR && t != FileType.DIRECTORY) {
          throw new FsException(Errno.EPERM, "user attributes exist on files and directories"
              + " only");
        }
        if (!in.permits(caller, Vfs.W_OK)) {
          throw new FsException(Errno.EACCES, caller + " may not write inode " + in.ino());
        }
      }
      case SYSTEM -> {
        // Acls checks who may set an ACL, with the value in hand
      }
      case TRUSTED, SECURITY -> {
        if (!caller.isRoot()) {
          throw new FsException(Errno.EPERM, caller + " may not set " + ns.name().toLowerCase()
              + " attributes");
        }
      }
    }
  }

  byte[] get(Inode in, String name, Caller caller) throws IOException {
    Namespace ns = namespace(name);
    mayRead(ns, in, caller);
    byte[] v = visible(ns, in, caller) ? read(in).get(name) : null;
    if (v == null) {
      throw new FsException(Errno.ENODATA, "inode " + in.ino() + " has no attribute '" + name
          + "'");
    }
    return v;
  }

  List<String> list(Inode in, Caller caller) throws IOException {
    List<String> out = new ArrayList<>();
    for (String name : read(in).keySet()) {
      if (visible(namespace(name), in, caller)) {
        out.add(name);
      }
    }
    return out;
  }

  void set(Inode in, String name, byte[] value, int flags, Caller caller, FsTransaction tx)
      throws IOException {
    Namespace ns = namespace(name);
    if (value.length > MAX_VALUE) {
      throw new FsException(Errno.E2BIG, "attribute value of " + value.length + " bytes: at most "
          + MAX_VALUE);
    }
    mayWrite(ns, in, caller);
    TreeMap<String, byte[]> attrs = read(in);
    if (ns == Namespace.SYSTEM) {
      // the kernel's ACL calls carry no create/replace flags; an empty list removes the ACL
      int mode = in.mode;
      PosixAcl access = in.accessAcl;
      PosixAcl defaults = in.defaultAcl;
      try {
        byte[] stored = Acls.set(in, name, value, caller);
        if (stored != null && name.equals(PosixAcl.DEFAULT) && XattrBlock.size(
            new TreeMap<>(Map.of(PosixAcl.ACCESS, stored, name, stored)))
            > cache.blockSize()) {
          // a new inode gets this ACL twice (access and default) in its own attribute block
          throw new FsException(Errno.ENOSPC, "a default ACL of " + value.length + " bytes"
              + " leaves new inodes no room for the ACLs they inherit; use fewer entries");
        }
        if (stored == null) {
          attrs.remove(name);
        } else {
          attrs.put(name, stored);
        }
        write(in, attrs, tx);
      } catch (FsException e) {
        // refused before anything was written: the cached inode stays as the disk has it
        in.mode = mode;
        in.accessAcl = access;
        in.defaultAcl = defaults;
        throw e;
      }
      return;
    }
    boolean exists = attrs.containsKey(name);
    if ((flags & Vfs.XATTR_CREATE) != 0 && exists) {
      throw new FsException(Errno.EEXIST, "attribute '" + name + "' exists");
    }
    if ((flags & Vfs.XATTR_REPLACE) != 0 && !exists) {
      throw new FsException(Errno.ENODATA, "no attribute '" + name + "' to replace");
    }
    attrs.put(name, value.clone());
    write(in, attrs, tx);
  }

  void remove(Inode in, String name, Caller caller, FsTransaction tx) throws IOException {
    Namespace ns = namespace(name);
    mayWrite(ns, in, caller);
    if (ns == Namespace.SYSTEM) {
      Acls.remove(in, name, caller);
    }
    TreeMap<String, byte[]> attrs = read(in);
    if (attrs.remove(name) == null) {
      throw new FsException(Errno.ENODATA, "inode " + in.ino() + " has no attribute '" + name
          + "'");
    }
    write(in, attrs, tx);
  }

  /** Frees the attribute block with its inode. */
  void freeAll(Inode in, FsTransaction tx) throws IOException {
    write(in, new TreeMap<>(), tx);
  }
}
