package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * POSIX ACLs on a real mount, set and read with setfacl and getfacl (Debian's acl package) and
 * checked by running programs as other users: a named user or group gets what its entry, within
 * the mask, allows; the mode's group bits show the mask; a default ACL is inherited by new files
 * and directories in place of the umask; everything survives a remount.
 */
class AclMountTest {
  private static final int GROUP = 4711;

  @RegisterExtension final MountedImage fs = new MountedImage();
  private Path mnt;

  @BeforeEach
  void paths() {
    mnt = fs.mnt();
  }

  private static Commands.Result sh(String script) throws Exception {
    return Commands.run("sh", "-c", script).expect(0, script);
  }

  /** getfacl's entries, numeric, without the header comments. */
  private static String getfacl(Path p, String... flags) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("getfacl", "-n", "-p", "--omit-header"));
    cmd.addAll(List.of(flags));
    cmd.add(p.toString());
    return Commands.run(cmd).expect(0, "getfacl " + p).output().strip();
  }

  private static String mode(Path p) throws Exception {
    return sh("stat -c %A " + p).output().strip();
  }

  private static boolean denied(Commands.Result r) {
    return r.status() != 0 && r.output().contains("Permission denied");
  }

  @Test
  void namedUsersAndGroupsGetTheirEntryWithinTheMask() throws Exception {
    Path doc = mnt.resolve("doc");
    sh("echo secret > " + doc + " && chmod 640 " + doc);
    assertTrue(denied(Nobody.sh("cat " + doc)), "other has no access yet");

    sh("setfacl -m u:" + Nobody.UID + ":rw " + doc);
    assertEquals(String.join("\n", "user::rw-", "user:" + Nobody.UID + ":rw-", "group::r--",
        "mask::rw-", "other::---"), getfacl(doc));
    assertEquals("-rw-rw----", mode(doc), "the group bits show the mask");
    assertEquals("secret", Nobody.sh("cat " + doc).expect(0, "named user reads").output().strip());
    Nobody.sh("echo more >> " + doc).expect(0, "named user writes");

    sh("chmod 640 " + doc);
    assertTrue(getfacl(doc).contains("mask::r--"), "chmod sets the mask: " + getfacl(doc));
    assertTrue(denied(Nobody.sh("echo again >> " + doc)), "w is masked off now");
    Nobody.sh("cat " + doc).expect(0, "r is still granted");

    assertTrue(Nobody.sh("setfacl -m u:" + Nobody.UID + ":rwx " + doc).output()
        .contains("Operation not permitted"), "only the owner sets an ACL");

    Path team = mnt.resolve("team");
    sh("echo plan > " + team + " && chmod 600 " + team + " && setfacl -m g:" + GROUP + ":rw "
        + team);
    Nobody.sh("echo member >> " + team, GROUP).expect(0, "a named group's member writes");
    assertTrue(denied(Nobody.sh("cat " + team)), "without the group: other::---");

    sh("setfacl -b " + doc);
    assertEquals(String.join("\n", "user::rw-", "group::r--", "other::---"), getfacl(doc));
    assertTrue(denied(Nobody.sh("cat " + doc)), "the ACL is gone");
  }

  @Test
  void aDefaultAclIsInheritedAndTheUmaskIgnoredAsOnAKernelFilesystem() throws Exception {
    Path dir = mnt.resolve("projects");
    sh("mkdir -m 755 " + dir + " && setfacl -d -m u:" + Nobody.UID + ":rwx " + dir);
    String defaults = String.join("\n", "user::rwx", "user:" + Nobody.UID + ":rwx", "group::r-x",
        "mask::rwx", "other::r-x");
    assertEquals(defaults, getfacl(dir, "-d"));

    sh("umask 077 && echo x > " + dir.resolve("file") + " && mkdir " + dir.resolve("sub"));
    Path file = dir.resolve("file");
    assertEquals("-rw-rw-r--", mode(file), "0666 within the default ACL; umask 077 ignored");
    assertEquals(String.join("\n", "user::rw-", "user:" + Nobody.UID + ":rwx\t#effective:rw-",
        "group::r-x\t#effective:r--", "mask::rw-", "other::r--"), getfacl(file));
    Nobody.sh("echo mine >> " + file).expect(0, "the inherited entry grants write");

    Path sub = dir.resolve("sub");
    assertEquals("drwxrwxr-x", mode(sub));
    assertEquals(defaults, getfacl(sub, "-d"), "a subdirectory inherits the default ACL");
    Nobody.sh("touch " + sub.resolve("by-nobody")).expect(0, "named user creates in sub");

    sh("umask 077 && echo y > " + mnt.resolve("plain"));
    assertEquals("-rw-------", mode(mnt.resolve("plain")), "no default ACL: the umask applies");
  }

  @Test
  void anAclTheKernelPassesButThatIsNotSortedIsRefused() throws Exception {
    Path f = mnt.resolve("f");
    sh("touch " + f);
    // user::rw-, user:7, user:5 (out of order), group::r--, mask::rw-, other::r--
    String value = "02000000" + "01000600ffffffff" + "0200060007000000" + "0200040005000000"
        + "04000400ffffffff" + "10000600ffffffff" + "20000400ffffffff";
    Commands.Result r = Commands.run("python3", "-c", "import os,sys\ntry:\n os.setxattr('" + f
        + "','system.posix_acl_access',bytes.fromhex('" + value + "'))\nexcept OSError as e:\n"
        + " print(e.strerror); sys.exit(3)");
    assertEquals(3, r.status(), r.output());
    assertTrue(r.output().contains("Invalid argument"), r.output());
  }

  @Test
  void aclsSurviveARemount() throws Exception {
    Path doc = mnt.resolve("kept");
    sh("echo k > " + doc + " && chmod 600 " + doc + " && setfacl -m u:" + Nobody.UID + ":r "
        + doc);
    String before = getfacl(doc);
    fs.unmount();
    fs.mount();
    assertEquals(before, getfacl(doc));
    assertEquals("k", Nobody.sh("cat " + doc).expect(0, "read after remount").output().strip());
  }
}
