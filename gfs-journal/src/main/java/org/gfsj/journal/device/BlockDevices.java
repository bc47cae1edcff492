package org.gfsj.journal.device;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.gfsj.journal.nbd.NbdAddress;
import org.gfsj.journal.nbd.NbdBlockDevice;

/** Opens a device from the way an operator names it on a command line or in a config file. */
public final class BlockDevices {
  private BlockDevices() {}

  /**
   * Opens {@code spec}: {@code nbd://host[:port]/export} for an NBD export, anything else as a path
   * (a block device such as /dev/sdb or /dev/loop0, or an image file).
   */
  public static BlockDevice open(String spec, DeviceOptions options) throws IOException {
    if (spec == null || spec.isBlank()) {
      throw new BlockDeviceException(String.valueOf(spec), "no device given; name a path"
          + " (/dev/sdb, an image file) or nbd://host[:port]/export");
    }
    int scheme = spec.indexOf("://");
    if (scheme > 0) {
      if (spec.substring(0, scheme).equalsIgnoreCase("nbd")) {
        return NbdBlockDevice.open(NbdAddress.parse(spec), options);
      }
      throw new BlockDeviceException(spec, "unknown device scheme '" + spec.substring(0, scheme)
          + "'; name a path (/dev/sdb, an image file) or nbd://host[:port]/export");
    }
    try {
      return PathBlockDevice.open(Path.of(spec), options);
    } catch (InvalidPathException e) {
      throw new BlockDeviceException(spec, "not a valid path (" + e.getReason() + ")", e);
    }
  }
}
