package org.gfsj.tools.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gfsj.fs.MountOptions;
import org.junit.jupiter.api.Test;

class MountOptionStringTest {
  @Test
  void splitsFilesystemFuseAndMount8Options() {
    MountOptionString o = MountOptionString.parse(
        "defaults,_netdev,x-systemd.automount,ro,noatime,journal=1,max_write=65536,"
            + "fuse_threads=single,debug,nosuid",
        "/dev/sdb", true, false);
    assertTrue(o.filesystem().readOnly());
    assertEquals(MountOptions.Atime.NOATIME, o.filesystem().atime());
    assertEquals(1, o.filesystem().journal());
    assertTrue(o.fuse().readOnly(), "the kernel mount is read-only too");
    assertEquals(65536, o.fuse().maxWrite());
    assertTrue(o.fuse().singleThreaded());
    assertTrue(o.fuse().debug());
    assertTrue(o.fuse().allowOther(), "root serves every user");
    assertTrue(o.fuse().autoUnmount());
  }

  @Test
  void defaultsAreRelatimeReadWriteAndTheFirstFreeJournal() {
    MountOptionString o = MountOptionString.parse("", "img", false, false);
    assertFalse(o.filesystem().readOnly());
    assertEquals(MountOptions.Atime.RELATIME, o.filesystem().atime());
    assertEquals(-1, o.filesystem().journal());
    assertFalse(o.fuse().allowOther(), "fusermount refuses allow_other to users by default");
    assertFalse(o.fuse().singleThreaded());
  }

  @Test
  void cacheTimeoutsAreSecondsWithFractions() {
    MountOptionString o = MountOptionString.parse("attr_timeout=0.5,entry_timeout=30", "img",
        true, false);
    assertEquals(java.time.Duration.ofMillis(500), o.fuse().attrTimeout());
    assertEquals(java.time.Duration.ofSeconds(30), o.fuse().entryTimeout());
    assertEquals(null, MountOptionString.parse("ro", "img", true, false).fuse().attrTimeout(),
        "not given: chosen for the filesystem at mount");
    assertEquals(false, MountOptionString.parse("no_writeback_cache", "img", true, false).fuse()
        .writebackCache());
    assertEquals(null, o.fuse().writebackCache());
  }

  @Test
  void listingsCarryAttributesUnlessTheKernelIsToChoose() {
    assertEquals(false, MountOptionString.parse("", "img", true, false).fuse().readdirplusAuto());
    assertEquals(true, MountOptionString.parse("readdirplus=auto", "img", true, false).fuse()
        .readdirplusAuto());
    assertEquals(false, MountOptionString.parse("readdirplus=always", "img", true, false).fuse()
        .readdirplusAuto());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MountOptionString.parse("readdirplus=yes", "img", true, false));
    assertEquals("readdirplus=yes: use readdirplus=always or readdirplus=auto", e.getMessage());
  }

  @Test
  void unknownOptionsAreRefusedUnlessSloppy() {
    assertThrows(IllegalArgumentException.class,
        () -> MountOptionString.parse("frobnicate", "img", true, false));
    assertThrows(IllegalArgumentException.class,
        () -> MountOptionString.parse("attr_timeout=soon", "img", true, true));
    assertThrows(IllegalArgumentException.class,
        () -> MountOptionString.parse("fuse_threads=3", "img", true, false));
    assertEquals(MountOptions.Atime.NOATIME,
        MountOptionString.parse("frobnicate,noatime", "img", true, true).filesystem().atime());
  }
}
