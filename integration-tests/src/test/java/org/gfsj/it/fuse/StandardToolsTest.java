package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gfsj.fs.fuse.MountTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The POSIX behaviour a user meets through the standard tools on a real mount: extended
 * attributes with setfattr/getfattr, sparse files and fallocate, special files, timestamps and
 * ownership, flock, and the errors Linux gives (ENAMETOOLONG, ENOTEMPTY, ELOOP, EXDEV, EROFS,
 * ENOSPC) with the filesystem still working after them.
 */
class StandardToolsTest {
  @TempDir Path tmp;
  @RegisterExtension final MountedImage fs = new MountedImage();
  private Path image;
  private Path mnt;

  @BeforeEach
  void paths() {
    image = fs.image();
    mnt = fs.mnt();
  }

  /** Runs a shell command line in the mount; its result, whatever the exit status. */
  private Commands.Result sh(String script) throws Exception {
    return Commands.run("sh", "-c", "cd " + mnt + " && " + script);
  }

  private String ok(String script) throws Exception {
    return sh(script).expect(0, script).output().trim();
  }

  private void fails(String script, String message) throws Exception {
    Commands.Result r = sh(script);
    assertNotEquals(0, r.status(), script + " should fail: " + r.output());
    assertTrue(r.output().contains(message), script + ": expected '" + message + "' in "
        + r.output());
  }

  @Test
  void extendedAttributesGoThroughSetfattrAndGetfattr() throws Exception {
    ok("touch f && setfattr -n user.colour -v blue f && setfattr -n trusted.t -v 0x00ff f");
    assertEquals("blue", ok("getfattr --only-values -n user.colour f"));
    String dump = ok("getfattr -d -m - -e hex f");
    assertTrue(dump.contains("trusted.t=0x00ff"), dump);
    assertTrue(dump.contains("user.colour=0x626c7565"), dump);
    ok("setfattr -x user.colour f");
    fails("getfattr -n user.colour f", "No such attribute");
    fails("setfattr -n bogus.name -v x f", "Operation not supported");
    // copies keep them, as cp --preserve=xattr promises
    ok("cp --preserve=xattr f g");
    assertTrue(ok("getfattr -d -m - -e hex g").contains("trusted.t=0x00ff"));
  }

  @Test
  void sparseFilesCostNothingAndFallocateShapesThem() throws Exception {
    ok("truncate -s 1T huge && touch empty");
    // st_blocks counts the dinode block, as GFS2's does: a 1 TiB hole costs nothing beyond it
    assertEquals("1099511627776 " + ok("stat -c %b empty"), ok("stat -c '%s %b' huge"));
    ok("printf x | dd of=huge bs=1 seek=1099511627775 conv=notrunc status=none");
    assertEquals("1099511627776", ok("stat -c %s huge"));
    assertEquals("x", ok("tail -c 1 huge"));

    ok("fallocate -l 1M pre");
    assertEquals("1048576", ok("stat -c %s pre"));
    assertTrue(Long.parseLong(ok("stat -c %b pre")) >= 2048, "1 MiB allocated");
    assertEquals("0", ok("cmp -s pre /dev/zero -n 1048576; echo $?"));
    ok("touch keep && fallocate -n -l 2M keep");
    assertEquals("0", ok("stat -c %s keep"), "KEEP_SIZE leaves the size alone");

    ok("head -c 65536 /dev/urandom > data && cp data copy");
    ok("fallocate --punch-hole -o 4096 -l 8192 data");
    assertEquals("65536", ok("stat -c %s data"));
    assertEquals("0", ok("cmp -s -i 4096 -n 8192 data /dev/zero; echo $?"),
        "a punched range reads as zeros");
    assertEquals("0", ok("cmp -s -n 4096 data copy; echo $?"), "bytes before it stay");
    assertEquals("0", ok("cmp -s -i 12288 -n 53248 data copy; echo $?"), "bytes after it stay");
    ok("fallocate --zero-range -o 20000 -l 5000 data");
    assertEquals("0", ok("cmp -s -i 20000 -n 5000 data /dev/zero; echo $?"));
  }

  @Test
  void specialFilesTimestampsAndOwnership() throws Exception {
    ok("mkfifo p && mknod c c 1 3 && ln -s c s");
    assertEquals("fifo", ok("stat -c %F p"));
    assertEquals("character special file 1,3", ok("stat -c '%F %t,%T' c"));
    assertEquals("symbolic link", ok("stat -c %F s"));
    ok("touch -m -d '2001-02-03 04:05:06.123456789 UTC' t");
    assertEquals("2001-02-03 04:05:06.123456789 +0000",
        ok("TZ=UTC stat -c %y t"), "nanosecond mtime set by utimensat");
    ok("chown 1234:5678 t");
    assertEquals("1234 5678", ok("stat -c '%u %g' t"));
    ok("chmod 4755 t && chown 1234 t");
    assertEquals("755", ok("stat -c %a t"), "chown drops the setuid bit");
    ok("mkdir g && chown :4321 g && chmod g+s g && touch g/inner && mkdir g/sub");
    assertEquals("4321", ok("stat -c %g g/inner"), "setgid directory gives its group");
    assertEquals("2755", ok("stat -c %a g/sub"), "and its setgid bit to subdirectories");
    ok("rm -r g");
    assertEquals("0", ok("ls -A | grep -c '^g$' || true"));
  }

  @Test
  void flockExcludesAnotherProcess() throws Exception {
    ok("touch lockfile");
    // -o: the lock stays with flock itself, not with the command it runs, so killing flock frees it
    Process holder = new ProcessBuilder("flock", "-n", "-o", mnt.resolve("lockfile").toString(),
        "sh", "-c", "touch " + mnt.resolve("held") + "; exec sleep 60").start();
    try {
      assertTrue(MountTable.await(() -> Files.exists(mnt.resolve("held")),
          GfsjMounts.DEADLINE), "the first flock was taken");
      assertEquals(1, sh("flock -n lockfile true").status(), "a second flock -n is refused");
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly().waitFor();
    }
    assertEquals(0, sh("flock -w 30 lockfile true").status(), "free again once its holder died");
  }

  @Test
  void errorsAreLinuxsAndLeaveTheFilesystemWorking() throws Exception {
    fails("touch " + "n".repeat(256), "File name too long");
    ok("mkdir full && touch full/x");
    fails("rmdir full", "Directory not empty");
    ok("ln -s loop2 loop1 && ln -s loop1 loop2");
    fails("cat loop1", "Too many levels of symbolic links");
    fails("ln full/x " + tmp.resolve("outside"), "Invalid cross-device link");

    fails("dd if=/dev/zero of=big bs=1M count=1100 status=none", "No space left on device");
    ok("rm big");
    ok("dd if=/dev/zero of=again bs=1M count=32 status=none && sync again");
    assertEquals("33554432", ok("stat -c %s again"), "space freed by rm is usable again");

    fs.unmount();
    Commands.run(Commands.java("org.gfsj.tools.fs.FsckCommand", "-n", image.toString()))
        .expect(0, "fsck.gfsj -n after ENOSPC and the deletes");
    fs.mount("ro");
    fails("touch new", "Read-only file system");
    assertEquals("33554432", ok("stat -c %s again"), "a read-only mount still reads");
  }
}
