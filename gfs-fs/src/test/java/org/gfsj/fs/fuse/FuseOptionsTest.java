package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuseOptionsTest {
  @Test
  void aReadOnlySingleThreadedMountForEveryUser() {
    FuseOptions o = new FuseOptions("nbd://h:1/a,b", true, true, true, true, false, 131072, 0);
    assertEquals(List.of("-f", "-s", "-o",
        "fsname=nbd://h:1/a\\,b,subtype=gfsj,use_ino,hard_remove,attr_timeout=0,big_writes,max_write=131072,"
            + "ro,allow_other,auto_unmount", "/mnt/x"),
        o.arguments(Path.of("/mnt/x")));
  }

  @Test
  void neverAsksTheKernelToCheckPermissions() {
    FuseOptions o = new FuseOptions("/dev/sdb", false, true, false, false, true, 65536, 0);
    assertEquals(false, String.join(" ", o.arguments(Path.of("/m"))).contains("default_perm"));
  }

  @Test
  void refusesWritesLibfuse2CannotDeliver() {
    assertThrows(IllegalArgumentException.class,
        () -> new FuseOptions("d", false, false, false, false, false, 1 << 20, 0));
  }

  @Test
  void findsTheDeviceOfTheNewestMountOnADirectory() {
    List<String> mountinfo = List.of(
        "22 1 0:21 / /proc rw,nosuid - proc proc rw",
        "90 22 0:39 / /tmp/a\\040b rw - fuse.gfsj img rw",
        "91 22 0:40 / /tmp/a\\040b rw - fuse.gfsj img rw");
    assertEquals("0:40", FuseReadahead.deviceOf("/tmp/a b", mountinfo));
    assertEquals(null, FuseReadahead.deviceOf("/elsewhere", mountinfo));
  }

  @Test
  void refusesAReadaheadBeyondSixtyFourMiB() {
    assertThrows(IllegalArgumentException.class,
        () -> new FuseOptions("d", false, false, false, false, false, 131072, 1 << 20));
  }

  @Test
  void unescapesMountTableFields() {
    assertEquals("/tmp/a b\\c", MountTable.unescape("/tmp/a\\040b\\134c"));
    assertEquals("/plain", MountTable.unescape("/plain"));
  }
}
