package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A directory of 20,000 entries on a real mount, listed with ls and find (the kernel resumes
 * readdir from GFSJ's cookies across many getdents calls) and looked up by name, before and after
 * a remount, with fsck.gfsj finding the hashed directory sound.
 */
class LargeDirectoryFuseTest {
  private static final int ENTRIES = 20_000;

  @RegisterExtension final MountedImage fs = new MountedImage();
  private Path image;
  private Path mnt;

  @BeforeEach
  void paths() {
    image = fs.image();
    mnt = fs.mnt();
  }

  private static String name(int i) {
    return String.format("file-%05d", i);
  }

  private Set<String> lsNames(Path dir) throws Exception {
    String out = Commands.run("ls", "-f", dir.toString()).expect(0, "ls -f").output();
    List<String> lines = out.lines().toList();
    Set<String> names = new TreeSet<>(lines);
    assertEquals(lines.size(), names.size(), "ls listed a name twice");
    return names;
  }

  private void checkListingAndLookups(Path big, Set<String> expected) throws Exception {
    assertEquals(expected, lsNames(big));
    String found = Commands.run("find", big.toString(), "-type", "f").expect(0, "find")
        .output();
    assertEquals(ENTRIES, found.lines().count());
    for (int i : new int[] {0, 7_777, 12_345, ENTRIES - 1}) {
      String one = Commands.run("find", big.toString(), "-name", name(i)).expect(0, "find -name")
          .output().strip();
      assertEquals(big.resolve(name(i)).toString(), one);
      Commands.run("ls", "-l", big.resolve(name(i)).toString()).expect(0, "ls -l " + name(i));
      assertEquals("content " + i, Files.readString(big.resolve(name(i))));
    }
    Commands.run("ls", big.resolve("file-absent").toString()).expect(2, "ls of a missing name");
  }

  @Test
  void twentyThousandEntriesListAndLookUpWithLsAndFind() throws Exception {
    Path big = Files.createDirectory(mnt.resolve("big"));
    Set<String> expected = new TreeSet<>(Set.of(".", ".."));
    for (int i = 0; i < ENTRIES; i++) {
      if (i % 1000 == 0) {
        Files.writeString(big.resolve(name(i)), "content " + i);
      } else {
        Files.createFile(big.resolve(name(i)));
      }
      expected.add(name(i));
    }
    for (int i : new int[] {7_777, 12_345, ENTRIES - 1}) {
      Files.writeString(big.resolve(name(i)), "content " + i);
    }
    checkListingAndLookups(big, expected);
    fs.unmount();
    Commands.run(Commands.java("org.gfsj.tools.fs.FsckCommand", "-n", image.toString()))
        .expect(0, "fsck.gfsj -n");
    fs.mount();
    checkListingAndLookups(big, expected);
  }
}
