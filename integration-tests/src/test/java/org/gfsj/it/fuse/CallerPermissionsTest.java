package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mounted by root, GFSJ serves every user and checks each caller's own uid and groups, as a
 * kernel filesystem does: the FUSE front passes the caller (uid, gid, groups from /proc) through.
 */
class CallerPermissionsTest {
  private static final int GROUP = 4711;

  @RegisterExtension final MountedImage fs = new MountedImage();
  private Path mnt;

  @BeforeEach
  void paths() {
    mnt = fs.mnt();
  }

  @Test
  void ownerGroupAndOtherBitsApplyToEachCaller() throws Exception {
    Path open = Files.writeString(mnt.resolve("readable"), "for all");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    Path secret = Files.createDirectory(mnt.resolve("secret"));
    Files.writeString(secret.resolve("inside"), "x");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
    Path groupFile = Files.writeString(mnt.resolve("group-only"), "members");
    Files.setAttribute(groupFile, "unix:gid", GROUP);
    Files.setPosixFilePermissions(groupFile, PosixFilePermissions.fromString("---r-----"));

    assertEquals("for all", Nobody.sh("cat " + open).expect(0, "other may read").output());
    assertTrue(Nobody.sh("echo x >> " + open).output().contains("Permission denied"),
        "other may not write");
    assertTrue(Nobody.sh("ls " + secret).output().contains("Permission denied"));
    assertTrue(Nobody.sh("cat " + secret.resolve("inside")).output()
        .contains("Permission denied"), "no search permission on the way");
    assertTrue(Nobody.sh("cat " + groupFile).output().contains("Permission denied"));
    assertEquals("members", Nobody.sh("cat " + groupFile, 100, GROUP)
        .expect(0, "a supplementary group grants read").output());
  }

  /**
   * utimensat(2) as Linux rules it (tmpfs and ext4 alike): anyone with write permission may set
   * both times to now (times NULL, or UTIME_NOW twice); a given time, or one time only, is the
   * owner's to set; UTIME_OMIT leaves a time alone.
   */
  @Test
  void touchByAWriterSetsNowButOnlyTheOwnerSetsATime() throws Exception {
    Path f = Files.writeString(mnt.resolve("shared-file"), "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
    java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
        1_000_000_000_000L);
    Files.setLastModifiedTime(f, old);
    Files.setAttribute(f, "lastAccessTime", old);
    Nobody.sh("touch " + f).expect(0, "touch (both times now) by a writer");
    assertTrue(Files.getLastModifiedTime(f).compareTo(old) > 0, "mtime set to now");
    assertTrue(((java.nio.file.attribute.FileTime) Files.getAttribute(f, "lastAccessTime"))
        .compareTo(old) > 0, "atime set to now");
    assertTrue(Nobody.sh("touch -m " + f).output().contains("Operation not permitted"),
        "one time alone is the owner's to set");
    assertTrue(Nobody.sh("touch -d 2001-01-01 " + f).output()
        .contains("Operation not permitted"), "a given time is the owner's to set");
    Files.setAttribute(f, "lastAccessTime", old);
    Commands.run("touch", "-m", f.toString()).expect(0, "touch -m by the owner (root)");
    assertEquals(old, Files.getAttribute(f, "lastAccessTime"), "atime omitted, left alone");
  }

  @Test
  void filesMadeByAUserAreTheirsAndTheStickyBitGuardsThem() throws Exception {
    Path shared = Files.createDirectory(mnt.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Commands.run("chmod", "+t", shared.toString()).expect(0, "chmod +t");
    Nobody.sh("echo mine > " + shared.resolve("n")).expect(0, "create in a 1777 directory");
    assertEquals(Nobody.UID, Files.getAttribute(shared.resolve("n"), "unix:uid"));
    assertEquals(Nobody.UID, Files.getAttribute(shared.resolve("n"), "unix:gid"));
    Files.writeString(shared.resolve("roots"), "r");
    assertTrue(Nobody.sh("rm -f " + shared.resolve("roots")).output()
        .contains("Operation not permitted"), "sticky: only the owner removes");
    assertTrue(Files.exists(shared.resolve("roots")));
    Nobody.sh("rm " + shared.resolve("n")).expect(0, "the owner removes their file");
  }

  /**
   * Before another user's write the kernel asks, as that user, for the mode without set-user-ID
   * and set-group-ID; the write must then succeed and leave the bits cleared (pjdfstest chmod/12).
   */
  @Test
  void aWriteByAnotherUserClearsTheSetIdBitsAndSucceeds() throws Exception {
    Path f = Files.writeString(mnt.resolve("setid"), "root's");
    Commands.run("chmod", "6777", f.toString()).expect(0, "chmod 6777");
    Nobody.sh("echo more >> " + f).expect(0, "a writer who is not the owner writes");
    assertEquals("root's" + "more\n", Files.readString(f));
    assertEquals(0777, (int) Files.getAttribute(f, "unix:mode") & 07777, "set-id bits cleared");
    assertTrue(Nobody.sh("chmod 777 " + f).output().contains("Operation not permitted"),
        "chmod itself stays the owner's");
  }

  /**
   * posix_fallocate(3) through a descriptor open for writing succeeds whatever the file's mode
   * says now, as write(2) does: a file created with mode 0 and opened O_RDWR by its creator
   * (pjdfstest posix_fallocate/00).
   */
  @Test
  void fallocateThroughADescriptorGoesByItsOpenMode() throws Exception {
    Path shared = Files.createDirectory(mnt.resolve("alloc"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path f = shared.resolve("mode0");
    String script = "import os, sys\n"
        + "fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0)\n"
        + "os.posix_fallocate(fd, 0, 65536)\n"
        + "os.close(fd)\n";
    Nobody.sh("python3 -c \"" + script + "\" " + f).expect(0, "posix_fallocate as nobody");
    assertEquals(65536L, Files.size(f));
  }
}
