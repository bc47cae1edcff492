package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mounted by root, GFSJ serves every user and checks each caller's own uid and groups, as a
 * kernel filesystem does: the FUSE front passes the caller (uid, gid, groups from /proc) through.
 */
class CallerPermissionsTest {
  private static final int NOBODY = 65534;
  private static final int GROUP = 4711;

  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path mnt;

  @BeforeEach
  void mount() throws Exception {
    GfsjMounts.requireFuse();
    // other users must reach the mount point through the test's directory
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    mounts = new GfsjMounts();
    Path image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(tmp.resolve("mnt"));
    mounts.mount(image, mnt);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  /** Runs a shell command as uid/gid 65534 with the given supplementary groups. */
  private static Commands.Result asNobody(String script, int... groups) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY,
        "--regid=" + NOBODY));
    if (groups.length == 0) {
      cmd.add("--clear-groups");
    } else {
      StringBuilder g = new StringBuilder();
      for (int x : groups) {
        g.append(g.length() == 0 ? "" : ",").append(x);
      }
      cmd.add("--groups=" + g);
    }
    cmd.addAll(List.of("sh", "-c", script));
    return Commands.run(cmd);
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

    assertEquals("for all", asNobody("cat " + open).expect(0, "other may read").output());
    assertTrue(asNobody("echo x >> " + open).output().contains("Permission denied"),
        "other may not write");
    assertTrue(asNobody("ls " + secret).output().contains("Permission denied"));
    assertTrue(asNobody("cat " + secret.resolve("inside")).output()
        .contains("Permission denied"), "no search permission on the way");
    assertTrue(asNobody("cat " + groupFile).output().contains("Permission denied"));
    assertEquals("members", asNobody("cat " + groupFile, 100, GROUP)
        .expect(0, "a supplementary group grants read").output());
  }

  /**
   * utimensat(2): anyone with write permission may set the times to now (UTIME_NOW), only the
   * owner to a given time; UTIME_OMIT leaves a time alone. The front must pass the markers on.
   */
  @Test
  void touchByAWriterSetsNowButOnlyTheOwnerSetsATime() throws Exception {
    Path f = Files.writeString(mnt.resolve("shared-file"), "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
    java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
        1_000_000_000_000L);
    Files.setLastModifiedTime(f, old);
    Files.setAttribute(f, "lastAccessTime", old);
    asNobody("touch -m " + f).expect(0, "touch -m (UTIME_NOW for mtime) by a writer");
    assertTrue(Files.getLastModifiedTime(f).compareTo(old) > 0, "mtime set to now");
    assertEquals(old, Files.getAttribute(f, "lastAccessTime"), "atime omitted, left alone");
    assertTrue(asNobody("touch -d 2001-01-01 " + f).output()
        .contains("Operation not permitted"), "a given time is the owner's to set");
  }

  @Test
  void filesMadeByAUserAreTheirsAndTheStickyBitGuardsThem() throws Exception {
    Path shared = Files.createDirectory(mnt.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Commands.run("chmod", "+t", shared.toString()).expect(0, "chmod +t");
    asNobody("echo mine > " + shared.resolve("n")).expect(0, "create in a 1777 directory");
    assertEquals(NOBODY, Files.getAttribute(shared.resolve("n"), "unix:uid"));
    assertEquals(NOBODY, Files.getAttribute(shared.resolve("n"), "unix:gid"));
    Files.writeString(shared.resolve("roots"), "r");
    assertTrue(asNobody("rm -f " + shared.resolve("roots")).output()
        .contains("Operation not permitted"), "sticky: only the owner removes");
    assertTrue(Files.exists(shared.resolve("roots")));
    asNobody("rm " + shared.resolve("n")).expect(0, "the owner removes their file");
  }
}
