package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gfsj.fs.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mounts of one nolock image on one host, each a real mount.gfsj process: the first takes every
 * journal slot's host lock, because nothing would keep a second writer's caches coherent, so a
 * second read-write mount fails with a clear error whatever journal it asks for; the locks come
 * free when the mount ends, also by kill -9. (Lock-protocol mounts, which may share a device, each
 * take one slot: JournalSlotsTest in gfs-fs.)
 */
class JournalSlotLockTest {
  private static final Pattern SERVED = Pattern.compile("served by pid (\\d+), log (\\S+)");
  private static final Pattern SLOT = Pattern.compile("\\(journal (\\d+), ");

  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path image;

  @BeforeEach
  void image() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
    image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image); // two journals
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  private Path dir(String name) throws Exception {
    return Files.createDirectory(tmp.resolve(name));
  }

  /** Slot N's state from gfs-tool journals: "clean" or "dirty" (a mount writes it). */
  private String state(int slot) throws Exception {
    String out = Commands.gfsTool("journals", image.toString()).expect(0, "gfs-tool journals")
        .output();
    String line = out.lines().filter(l -> l.startsWith(slot + " ")).findFirst().orElseThrow();
    return line.substring(line.lastIndexOf(' ') + 1);
  }

  /** A live background mount: its server and the journal slot its log says it took. */
  private record Mounted(ProcessHandle server, int slot) {}

  private Mounted mount(Path dir, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("-v"));
    if (options.length > 0) {
      args.add("-o");
      args.add(String.join(",", options));
    }
    args.add(image.toString());
    args.add(dir.toString());
    mounts.watch(dir);
    Commands.Result r = Commands.run(Commands.mountGfsj(args.toArray(String[]::new)))
        .expect(0, "mount.gfsj " + dir);
    Matcher m = SERVED.matcher(r.output());
    assertTrue(m.find(), r.output());
    ProcessHandle server = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
    mounts.adopt(dir, server);
    Matcher slot = SLOT.matcher(Files.readString(Path.of(m.group(2))));
    int last = -1;
    while (slot.find()) {
      last = Integer.parseInt(slot.group(1)); // the log is appended to: the newest mount is last
    }
    assertTrue(last >= 0, "the server's log names its journal: " + m.group(2));
    return new Mounted(server, last);
  }

  private Commands.Result tryMount(Path dir, String... options) throws Exception {
    return Commands.run(Commands.mountGfsj(options.length == 0
        ? new String[] {image.toString(), dir.toString()}
        : new String[] {"-o", String.join(",", options), image.toString(), dir.toString()}));
  }

  @Test
  void aSecondNolockMountIsRefusedUntilTheFirstEnds() throws Exception {
    Path a = dir("a");
    Mounted first = mount(a);
    assertEquals(0, first.slot());

    Path b = dir("b");
    mounts.watch(b);
    Commands.Result refused = tryMount(b);
    assertEquals(32, refused.status(), refused.output());
    assertTrue(refused.output().contains("with lockproto=nolock only one mount may write"),
        refused.output());
    assertTrue(!MountTable.isGfsjMounted(b), "no mount left behind by the refused one");

    GfsjMounts.umount(a, first.server());
    assertEquals(0, mount(b).slot(), "an unmount lets the next mount write");
  }

  @Test
  void journalEqualsATakenSlotFailsAndAKilledMountFreesItsSlot() throws Exception {
    Path a = dir("a");
    Mounted holder = mount(a, "journal=1");
    assertEquals(1, holder.slot());
    Path b = dir("b");
    mounts.watch(b);
    Commands.Result taken = tryMount(b, "journal=1");
    assertEquals(32, taken.status(), taken.output());
    assertTrue(taken.output().contains("holds journal 0"), taken.output());
    assertTrue(!MountTable.isGfsjMounted(b), "no mount left behind by the refused one");

    Files.writeString(a.resolve("f"), "committed before the kill");
    // fsync, not sync(1): libfuse2 cannot receive the kernel's syncfs, so only fsync reaches the
    // server and commits the running transaction before the kill
    try (FileChannel f = FileChannel.open(a.resolve("f"), StandardOpenOption.WRITE)) {
      f.force(true);
    }
    assertTrue(holder.server().destroyForcibly(), "SIGKILL sent");
    GfsjMounts.awaitExit(holder.server());
    assertEquals("dirty", state(1), "the killed mount's journal awaits replay");
    Path c = dir("c");
    Mounted again = mount(c, "journal=1");
    assertEquals("committed before the kill", Files.readString(c.resolve("f")));
    GfsjMounts.umount(c, again.server());
    assertEquals("clean", state(1), "the next mount on the slot replayed it and closed clean");
  }
}
