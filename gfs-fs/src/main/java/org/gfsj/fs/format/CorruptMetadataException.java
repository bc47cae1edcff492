package org.gfsj.fs.format;

import java.io.IOException;

/**
 * A metadata block or record that fails its checks: wrong magic, type or address, a bad CRC32C, or
 * fields that cannot be true. The filesystem must stop trusting the device (withdraw) and the
 * operator must run fsck.gfsj; the message names the block and says so.
 */
public final class CorruptMetadataException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long block;

  public CorruptMetadataException(long block, String problem) {
    super("block " + block + ": " + problem + "; run fsck.gfsj on the device");
    this.block = block;
  }

  private CorruptMetadataException(String message, long block, Throwable cause) {
    super(message, cause);
    this.block = block;
  }

  /** The address of the block found corrupt. */
  public long block() {
    return block;
  }

  /** The same failure with the device it happened on in front, for messages above the decoder. */
  public CorruptMetadataException on(String device) {
    return new CorruptMetadataException(device + ": " + getMessage(), block, this);
  }
}
