package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.gfsj.fs.format.PosixAcl;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** POSIX ACLs through the Vfs: stored as attributes, kept one with the mode, inherited, enforced. */
@Timeout(60)
class AclTest {
  private static final Caller ALICE = new Caller(1000, 1000, new int[0], 1);
  private static final Caller BOB = new Caller(1001, 1001, new int[0], 2);
  private static final Caller CAROL = new Caller(1002, 1002, new int[] {500}, 3);

  @TempDir Path dir;
  private Path image;
  private GfsMount fs;

  @BeforeEach
  void mount() throws Exception {
    image = TestFilesystems.image(dir, 64);
    fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
    fs.setattr(fs.root(), SetAttributes.mode(0777), Caller.ROOT);
  }

  @AfterEach
  void unmount() throws Exception {
    fs.close();
  }

  private static void fails(Errno errno, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(errno, e.errno(), e.getMessage());
  }

  private long aliceFile(String name, int mode) throws Exception {
    Vfs.Created c = fs.create(fs.root(), name, mode, OpenFlags.O_WRONLY, ALICE);
    fs.release(c.attributes().ino(), c.handle());
    return c.attributes().ino();
  }

  private boolean opens(long ino, int flags, Caller who) throws Exception {
    try {
      fs.release(ino, fs.open(ino, flags, who));
      return true;
    } catch (FsException e) {
      assertEquals(Errno.EACCES, e.errno(), e.getMessage());
      return false;
    }
  }

  @Test
  void anAccessAclGrantsANamedUserWithinTheMaskAndSetsTheGroupBits() throws Exception {
    long f = aliceFile("f", 0600);
    assertTrue(!opens(f, OpenFlags.O_RDONLY, BOB));
    fs.setxattr(f, PosixAcl.ACCESS, AclText.parse("u::rw-,u:1001:rw-,g::---,m::r--,o::---").encode(), 0,
        ALICE);
    assertEquals(0100640, fs.getattr(f).mode(), "the mask is the group bits");
    assertTrue(opens(f, OpenFlags.O_RDONLY, BOB));
    assertTrue(!opens(f, OpenFlags.O_WRONLY, BOB), "w is masked off");
    assertTrue(!opens(f, OpenFlags.O_RDONLY, CAROL), "other::---");

    fs.setattr(f, SetAttributes.mode(0660), ALICE);
    assertArrayEquals(AclText.parse("u::rw-,u:1001:rw-,g::---,m::rw-,o::---").encode(),
        fs.getxattr(f, PosixAcl.ACCESS, CAROL), "chmod sets the mask");
    assertTrue(opens(f, OpenFlags.O_WRONLY, BOB));

    fs.close();
    fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
    assertTrue(opens(f, OpenFlags.O_RDWR, BOB), "the ACL is on disk, read back at load");
    assertTrue(!opens(f, OpenFlags.O_RDONLY, CAROL));
    assertEquals(List.of(PosixAcl.ACCESS), fs.listxattr(f, CAROL));
  }

  @Test
  void namedGroupsCount() throws Exception {
    long f = aliceFile("g", 0600);
    fs.setxattr(f, PosixAcl.ACCESS, AclText.parse("u::rw-,g::---,g:500:rw-,m::rw-,o::---").encode(), 0,
        ALICE);
    assertTrue(opens(f, OpenFlags.O_RDWR, CAROL), "carol is in group 500");
    assertTrue(!opens(f, OpenFlags.O_RDONLY, BOB));
  }

  @Test
  void aMinimalAclIsTheModeAndIsNotKept() throws Exception {
    long f = aliceFile("m", 0600);
    fs.setxattr(f, PosixAcl.ACCESS, AclText.parse("u::rwx,g::r--,o::r--").encode(), 0, ALICE);
    assertEquals(0100744, fs.getattr(f).mode());
    fails(Errno.ENODATA, () -> fs.getxattr(f, PosixAcl.ACCESS, ALICE));
    assertEquals(List.of(), fs.listxattr(f, ALICE));
  }

  @Test
  void onlyTheOwnerOrRootSetsAnAclAndOnlyAValidOne() throws Exception {
    long f = aliceFile("v", 0644);
    byte[] good = AclText.parse("u::rw-,u:1001:rw-,g::r--,m::rw-,o::r--").encode();
    fails(Errno.EPERM, () -> fs.setxattr(f, PosixAcl.ACCESS, good, 0, BOB));
    fs.setxattr(f, PosixAcl.ACCESS, good, 0, Caller.ROOT);
    byte[] noMask = new byte[good.length - 8];
    System.arraycopy(good, 0, noMask, 0, 4 + 3 * 8);
    System.arraycopy(good, 4 + 4 * 8, noMask, 4 + 3 * 8, 8);
    fails(Errno.EINVAL, () -> fs.setxattr(f, PosixAcl.ACCESS, noMask, 0, ALICE));
    fails(Errno.EINVAL, () -> fs.setxattr(f, PosixAcl.ACCESS, new byte[] {2, 0, 0, 0, 1}, 0,
        ALICE));
    fails(Errno.EOPNOTSUPP, () -> fs.setxattr(f, PosixAcl.ACCESS, new byte[] {1, 0, 0, 0}, 0,
        ALICE));
    fails(Errno.EACCES, () -> fs.setxattr(f, PosixAcl.DEFAULT, good, 0, ALICE));
    fails(Errno.EOPNOTSUPP, () -> fs.setxattr(f, "system.other", good, 0, ALICE));
    assertArrayEquals(good, fs.getxattr(f, PosixAcl.ACCESS, BOB), "refusals changed nothing");
    assertEquals(0100664, fs.getattr(f).mode());
    fs.removexattr(f, PosixAcl.ACCESS, ALICE);
    assertTrue(!opens(f, OpenFlags.O_WRONLY, BOB), "no ACL: bob is other, r-- only");
  }

  /** A default ACL with {@code named} named users, all rwx. */
  private static PosixAcl bigDefault(int named) {
    StringBuilder text = new StringBuilder("u::rwx");
    for (int i = 0; i < named; i++) {
      text.append(",u:").append(2000 + i).append(":rwx");
    }
    return AclText.parse(text.append(",g::r-x,m::rwx,o::---").toString());
  }

  @Test
  void aDefaultAclMustLeaveNewInodesRoomToInheritIt() throws Exception {
    long d = fs.mkdir(fs.root(), "wide", 0755, ALICE).ino();
    fails(Errno.ENOSPC, () -> fs.setxattr(d, PosixAcl.DEFAULT, bigDefault(300).encode(), 0,
        ALICE));
    fails(Errno.ENODATA, () -> fs.getxattr(d, PosixAcl.DEFAULT, ALICE));
    fs.setxattr(d, PosixAcl.DEFAULT, bigDefault(200).encode(), 0, ALICE);
    long sub = fs.mkdir(d, "sub", 0777, ALICE).ino();
    assertArrayEquals(bigDefault(200).encode(), fs.getxattr(sub, PosixAcl.DEFAULT, ALICE));
  }

  @Test
  void aDefaultAclIsInheritedInsteadOfTheUmask() throws Exception {
    long d = fs.mkdir(fs.root(), "d", 0755, ALICE).ino();
    PosixAcl def = AclText.parse("u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---");
    fs.setxattr(d, PosixAcl.DEFAULT, def.encode(), 0, ALICE);
    Caller aliceUmask = new Caller(1000, 1000, new int[0], 1, 077);

    Vfs.Created c = fs.create(d, "file", 0666, OpenFlags.O_WRONLY, aliceUmask);
    fs.release(c.attributes().ino(), c.handle());
    long file = c.attributes().ino();
    assertEquals(0100660, fs.getattr(file).mode(), "0666 ∩ the default ACL; umask 077 ignored");
    assertArrayEquals(AclText.parse("u::rw-,u:1001:rwx,g::r-x,m::rw-,o::---").encode(),
        fs.getxattr(file, PosixAcl.ACCESS, ALICE));
    fails(Errno.ENODATA, () -> fs.getxattr(file, PosixAcl.DEFAULT, ALICE));
    assertTrue(opens(file, OpenFlags.O_RDWR, BOB));

    long sub = fs.mkdir(d, "sub", 0777, aliceUmask).ino();
    assertEquals(040770, fs.getattr(sub).mode());
    assertArrayEquals(def.encode(), fs.getxattr(sub, PosixAcl.DEFAULT, ALICE),
        "a subdirectory inherits the default ACL itself");
    assertArrayEquals(def.encode(), fs.getxattr(sub, PosixAcl.ACCESS, ALICE));

    long plain = fs.mkdir(fs.root(), "plain", 0777, new Caller(0, 0, new int[0], 1, 022)).ino();
    assertEquals(040755, fs.getattr(plain).mode(), "no default ACL: the umask applies");
  }
}
