package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slot choice between mounts of one device on one host, each with its own open of the device (as
 * separate mount processes have): lock-protocol mounts share the device a slot each; a nolock
 * mount must be alone.
 */
class JournalSlotsTest {
  @TempDir Path tmp;

  private PathBlockDevice open(Path image) throws IOException {
    return PathBlockDevice.open(image, DeviceOptions.defaults()
        .withLock(DeviceOptions.HostLock.SHARED));
  }

  @Test
  void eachMountTakesTheFirstFreeSlotUntilNoneIsLeft() throws Exception {
    Path image = TestFilesystems.image(tmp, 64);
    try (PathBlockDevice a = open(image); PathBlockDevice b = open(image);
        PathBlockDevice c = open(image)) {
      assertEquals(0, JournalSlots.take(a, -1, 2));
      assertEquals(1, JournalSlots.take(b, -1, 2));
      IOException none = assertThrows(IOException.class, () -> JournalSlots.take(c, -1, 2));
      assertTrue(none.getMessage().contains("all 2 journal(s) are in use"), none.getMessage());
      IOException taken = assertThrows(IOException.class, () -> JournalSlots.take(c, 1, 2));
      assertTrue(taken.getMessage().contains("journal 1 is in use"), taken.getMessage());
    }
  }

  @Test
  void aNolockMountNeedsEverySlotAndLeavesNoneToOthers() throws Exception {
    Path image = TestFilesystems.image(tmp, 64);
    try (PathBlockDevice a = open(image); PathBlockDevice b = open(image)) {
      assertEquals(1, JournalSlots.takeAll(a, 1, 2));
      assertThrows(IOException.class, () -> JournalSlots.take(b, -1, 2));
    }
    try (PathBlockDevice a = open(image); PathBlockDevice b = open(image)) {
      assertEquals(1, JournalSlots.take(a, 1, 2));
      IOException alone = assertThrows(IOException.class, () -> JournalSlots.takeAll(b, -1, 2));
      assertTrue(alone.getMessage().contains("only one mount may write"), alone.getMessage());
    }
  }
}
