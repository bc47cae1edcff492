package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.gfsj.fs.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mount.gfsj's life cycle: background and foreground serving, kills, signals, exit codes. */
class MountLifecycleTest {
  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path image;
  private Path mnt;

  @BeforeEach
  void image() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
    image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(tmp.resolve("mnt"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  private String journals() throws Exception {
    return Commands.gfsTool("journals", image.toString()).expect(0, "gfs-tool journals").output();
  }

  private static String slot0(String journals) {
    return journals.lines().filter(l -> l.startsWith("0 ")).findFirst().orElseThrow();
  }

  @Test
  void aKilledServerLeavesNoMountAndTheNextMountReplaysItsJournal() throws Exception {
    ProcessHandle server = mounts.mount(image, mnt);
    Path f = mnt.resolve("synced");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap("durable".getBytes()));
      ch.force(true);
    }
    Files.createDirectory(mnt.resolve("dir-made-after-the-fsync"));
    assertTrue(server.destroyForcibly(), "SIGKILL sent");
    assertTrue(MountTable.awaitGfsjMount(mnt, false, GfsjMounts.DEADLINE),
        () -> "auto_unmount removes the mount of a killed server; server alive: "
            + server.isAlive() + "; fusermount processes: " + fusermounts());
    GfsjMounts.awaitExit(server);
    assertTrue(slot0(journals()).endsWith("dirty"), "the killed node's journal awaits replay:\n"
        + journals());

    ProcessHandle again = mounts.mount(image, mnt);
    assertEquals("durable", Files.readString(f), "the fsync'd file survived the kill");
    GfsjMounts.umount(mnt, again);
    assertTrue(slot0(journals()).endsWith("clean"), journals());
  }

  @Test
  void theForegroundServerStopsCleanOnSigterm() throws Exception {
    Process p = new ProcessBuilder(Commands.mountGfsj("-f", image.toString(), mnt.toString()))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("fg.log").toFile()).start();
    mounts.adopt(mnt, p.toHandle());
    assertTrue(MountTable.await(() -> !p.isAlive() || live(mnt), GfsjMounts.DEADLINE));
    assertTrue(p.isAlive(), "mount.gfsj -f serves: " + Files.readString(tmp.resolve("fg.log")));
    Files.writeString(mnt.resolve("f"), "written before SIGTERM");
    p.destroy(); // SIGTERM
    GfsjMounts.awaitExit(p.toHandle());
    assertFalse(MountTable.isGfsjMounted(mnt), "the shutdown hook unmounted");
    assertTrue(slot0(journals()).endsWith("clean"), "SIGTERM leaves a clean journal:\n"
        + journals() + Files.readString(tmp.resolve("fg.log")));
    ProcessHandle again = mounts.mount(image, mnt);
    assertEquals("written before SIGTERM", Files.readString(mnt.resolve("f")));
    GfsjMounts.umount(mnt, again);
  }

  @Test
  void aReadOnlyMountShowsTheFilesAndRefusesWrites() throws Exception {
    ProcessHandle rw = mounts.mount(image, mnt);
    Files.writeString(mnt.resolve("f"), "kept");
    GfsjMounts.umount(mnt, rw);
    ProcessHandle ro = mounts.mount(image, mnt, "ro", "noatime");
    assertTrue(MountTable.at(mnt).orElseThrow().options().startsWith("ro,"),
        MountTable.at(mnt).toString());
    assertEquals("kept", Files.readString(mnt.resolve("f")));
    java.nio.file.FileSystemException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.nio.file.FileSystemException.class,
        () -> Files.writeString(mnt.resolve("g"), "refused"));
    assertTrue(String.valueOf(e.getReason()).contains("Read-only file system"), e.toString());
    GfsjMounts.umount(mnt, ro);
  }

  /** mount(8) finds /sbin/mount.gfsj, which scripts/setup.sh links to bin/mount.gfsj. */
  @Test
  void mountDashTGfsjRunsTheHelper() throws Exception {
    Path helper = Path.of("/sbin/mount.gfsj");
    String why = helper + " is missing; scripts/setup.sh links it when run as root";
    if (System.getenv("CI") != null) {
      assertTrue(Files.exists(helper), why);
    } else {
      org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(helper), why);
    }
    mounts.watch(mnt);
    Commands.run("mount", "-t", "gfsj", "-o", "noatime,_netdev", image.toString(),
        mnt.toString()).expect(0, "mount -t gfsj");
    assertTrue(MountTable.isGfsjMounted(mnt));
    Files.writeString(mnt.resolve("via-mount8"), "yes");
    Commands.run("umount", mnt.toString()).expect(0, "umount");
    assertTrue(MountTable.awaitGfsjMount(mnt, false, GfsjMounts.DEADLINE));
  }

  /** The fusermount processes now running, to tell why an auto_unmount did not happen. */
  private static String fusermounts() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").contains("fusermount"))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
        .collect(java.util.stream.Collectors.joining("; ", "[", "]"));
  }

  private static boolean live(Path dir) {
    try {
      return MountTable.isGfsjMounted(dir);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void exitCodesAreMount8s() throws Exception {
    Commands.Result usage = Commands.run(Commands.mountGfsj("-o", "frobnicate", image.toString(),
        mnt.toString()));
    assertEquals(1, usage.status(), usage.output());
    assertTrue(usage.output().contains("unknown mount option 'frobnicate'"), usage.output());

    Commands.Result noDir = Commands.run(Commands.mountGfsj(image.toString(),
        tmp.resolve("absent").toString()));
    assertEquals(32, noDir.status(), noDir.output());

    Path zeros = Commands.sparseImage(tmp.resolve("zeros"), 1L << 30);
    Commands.Result notGfsj = Commands.run(Commands.mountGfsj(zeros.toString(), mnt.toString()));
    assertEquals(32, notGfsj.status(), notGfsj.output());
    assertTrue(notGfsj.output().contains("log: "), "the failure names the server's log: "
        + notGfsj.output());
    assertFalse(MountTable.isGfsjMounted(mnt));
  }
}
