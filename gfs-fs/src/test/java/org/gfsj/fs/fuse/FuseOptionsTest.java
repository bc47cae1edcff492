package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class FuseOptionsTest {
  @Test
  void aReadOnlyMountForEveryUserLetsTheKernelCheckPermissions() {
    FuseOptions o = new FuseOptions("nbd://h:1/a,b", true, true, true, true, false, 131072, 0);
    assertEquals("fd=7,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other",
        FuseMount.data(7, o));
    assertEquals(FuseSyscalls.MS_NOSUID | FuseSyscalls.MS_NODEV | FuseSyscalls.MS_RDONLY,
        FuseMount.flags(o));
  }

  @Test
  void aMountForItsOwnerOnly() {
    FuseOptions o = new FuseOptions("/dev/sdb", false, false, false, false, true, 65536, 0);
    assertEquals("fd=3,rootmode=40000,user_id=0,group_id=0,default_permissions",
        FuseMount.data(3, o));
    assertEquals(FuseSyscalls.MS_NOSUID | FuseSyscalls.MS_NODEV, FuseMount.flags(o));
  }

  @Test
  void refusesWritesTheKernelCannotDeliver() {
    assertThrows(IllegalArgumentException.class,
        () -> new FuseOptions("d", false, false, false, false, false, 2 << 20, 0));
    assertEquals(1 << 20,
        new FuseOptions("d", false, false, false, false, false, 1 << 20, 0).maxWrite());
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
