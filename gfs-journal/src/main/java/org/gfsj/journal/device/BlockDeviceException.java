package org.gfsj.journal.device;

import java.io.IOException;

/** An I/O failure on a named device, with what the operator can do about it. */
public class BlockDeviceException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String device;

  public BlockDeviceException(String device, String message) {
    super(device + ": " + message);
    this.device = device;
  }

  public BlockDeviceException(String device, String message, Throwable cause) {
    super(device + ": " + message, cause);
    this.device = device;
  }

  /** The device the failure happened on. */
  public String device() {
    return device;
  }
}
