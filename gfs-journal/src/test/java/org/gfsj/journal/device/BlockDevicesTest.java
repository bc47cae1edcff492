package org.gfsj.journal.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device names as operators write them. nbd:// addresses are covered by NbdBlockDeviceTest. */
class BlockDevicesTest {
  @TempDir Path dir;

  @Test
  void aPathOpensAsAPathDevice() throws IOException {
    Path image = dir.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(1 << 20);
    }
    try (BlockDevice d = BlockDevices.open(image.toString(), DeviceOptions.defaults())) {
      assertInstanceOf(PathBlockDevice.class, d);
      assertEquals(256, d.blockCount());
    }
  }

  @Test
  void malformedNbdAddressSaysHowToWriteOne() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> BlockDevices.open("nbd://host:notaport/gfs", DeviceOptions.defaults()));
    assertTrue(e.getMessage().contains("nbd://host[:port]/exportname"), e.getMessage());
  }

  @Test
  void unknownSchemeIsNamed() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> BlockDevices.open("iscsi://host/lun0", DeviceOptions.defaults()));
    assertTrue(e.getMessage().contains("unknown device scheme 'iscsi'"), e.getMessage());
  }

  @Test
  void emptySpecIsRefused() {
    BlockDeviceException e = assertThrows(BlockDeviceException.class,
        () -> BlockDevices.open(" ", DeviceOptions.defaults()));
    assertTrue(e.getMessage().contains("no device given"), e.getMessage());
  }
}
