package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * Two mounts of one image on one host, each a real mount.gfsj process: each takes its own journal
 * slot (a host lock per slot), journal=N on a taken slot fails with a clear error, and a slot
 * comes free when its mount ends, also by kill -9.
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
  void aSecondMountTakesTheNextFreeSlot() throws Exception {
    Mounted first = mount(dir("a"));
    assertEquals(0, first.slot());
    Path b = dir("b");
    Mounted second = mount(b);
    assertEquals(1, second.slot(), "the second mount writes journal 1, not journal 0");

    Path c = dir("c");
    mounts.watch(c);
    Commands.Result none = tryMount(c);
    assertEquals(32, none.status(), none.output());
    assertTrue(none.output().contains("all 2 journal(s) are in use"), none.output());

    GfsjMounts.umount(b, second.server());
    Path d = dir("d");
    assertEquals(1, mount(d).slot(), "an unmount frees its slot");
    assertTrue(first.server().isAlive());
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
    assertTrue(taken.output().contains("journal 1 is in use by another mount"), taken.output());
    assertTrue(!MountTable.isGfsjMounted(b), "no mount left behind by the refused one");

    Files.writeString(a.resolve("f"), "committed before the kill");
    Commands.run("sync", "-f", a.resolve("f").toString()).expect(0, "sync -f");
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
