package org.gfsj.journal.device;

import java.nio.file.Path;

/**
 * Holds a host lock on a device from another process, for PathBlockDeviceTest: opens the device
 * with the lock named by the second argument, prints "held", and keeps it until standard input
 * closes.
 */
public final class PathLockHolder {
  private PathLockHolder() {}

  public static void main(String[] args) throws Exception {
    DeviceOptions options = DeviceOptions.defaults()
        .withLock(DeviceOptions.HostLock.valueOf(args[1]));
    try (PathBlockDevice d = PathBlockDevice.open(Path.of(args[0]), options)) {
      System.out.println("held");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the test to close our input
      }
    }
  }
}
