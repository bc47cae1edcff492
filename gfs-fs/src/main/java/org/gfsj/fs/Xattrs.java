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
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.Vfs;

/**
 * Extended attributes (GFS2's xattr.c), in the user, trusted and security namespaces, with their
 * Linux permission rules: user.* follows the file's read and write permission and exists only on
 * regular files and directories; trusted.* is root's alone, invisible to others; security.* is
 * readable by all and written by root.
 *
 * <p>All of an inode's attributes live in one block (type {@link MetadataType#XATTR}) named by
 * the dinode: a u32 count at byte 24, then from byte 32 records of u16 name length, u16 reserved,
 * u32 value length, the name and the value, each record padded to 8 bytes. The block is written
 * whole at each change, inside the operation's transaction; it is freed with its last attribute.
 */
final class Xattrs {
  static final int MAX_NAME = 255;
  static final int MAX_VALUE = 65536;
  private static final int RECORDS = 32;

  private final BufferCache cache;
  private final Allocator allocator;

  Xattrs(BufferCache cache, Allocator allocator) {
    this.cache = cache;
    this.allocator = allocator;
  }

  private static void check(ByteBuffer b, long address) throws CorruptMetadataException {
    MetadataHeader.check(b, MetadataType.XATTR, address);
  }

  /** Every attribute of {@code in}, by name. */
  private TreeMap<String, byte[]> read(Inode in) throws IOException {
    TreeMap<String, byte[]> out = new TreeMap<>();
    if (in.xattrBlock == 0) {
      return out;
    }
    ByteBuffer b = cache.read(in.xattrBlock, in.glock(), Xattrs::check).data;
    int count = b.getInt(24);
    int at = RECORDS;
    for (int i = 0; i < count; i++) {
      if (at + 8 > b.capacity()) {
        throw new CorruptMetadataException(in.xattrBlock, "extended-attribute record " + i
            + " runs past the block");
      }
      int nameLen = Short.toUnsignedInt(b.getShort(at));
      int valueLen = b.getInt(at + 4);
      if (valueLen < 0 || at + 8L + nameLen + valueLen > b.capacity()) {
        throw new CorruptMetadataException(in.xattrBlock, "extended-attribute record " + i
            + " runs past the block");
      }
      byte[] name = new byte[nameLen];
      b.get(at + 8, name);
      byte[] value = new byte[valueLen];
      b.get(at + 8 + nameLen, value);
      out.put(new String(name, StandardCharsets.UTF_8), value);
      at += (8 + nameLen + valueLen + 7) & ~7;
    }
    return out;
  }

  private void write(Inode in, TreeMap<String, byte[]> attrs, FsTransaction tx)
      throws IOException {
    int bs = cache.blockSize();
    int size = RECORDS;
    for (Map.Entry<String, byte[]> e : attrs.entrySet()) {
      size += (8 + e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().length + 7)
          & ~7;
    }
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
      allocator.reserve(1);
      in.xattrBlock = allocator.blocks(tx, in.ino() + 1, 1).start();
      in.addBlocks(1);
    }
    BufferCache.Buffer buf = cache.fresh(in.xattrBlock, in.glock());
    ByteBuffer b = buf.data;
    MetadataHeader.start(b, MetadataType.XATTR, in.xattrBlock);
    b.putInt(24, attrs.size());
    int at = RECORDS;
    for (Map.Entry<String, byte[]> e : attrs.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      b.putShort(at, (short) name.length).putInt(at + 4, e.getValue().length);
      b.put(at + 8, name).put(at + 8 + name.length, e.getValue());
      at += (8 + name.length + e.getValue().length + 7) & ~7;
    }
    tx.change(buf);
  }

  private enum Namespace { USER, TRUSTED, SECURITY }

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
    throw new FsException(Errno.EOPNOTSUPP, "attribute '" + name + "': only the user, trusted"
        + " and security namespaces are supported");
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
