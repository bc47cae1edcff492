package org.gfsj.journal.nbd;

/**
 * What the server said about the export at the end of the handshake.
 *
 * @param size the export's size in bytes
 * @param flags the transmission flags
 */
public record NbdExport(long size, int flags) {

  /** The server refuses writes and trims. */
  public boolean readOnly() {
    return (flags & NbdProtocol.FLAG_READ_ONLY) != 0;
  }

  /** The server accepts NBD_CMD_FLUSH. */
  public boolean canFlush() {
    return (flags & NbdProtocol.FLAG_SEND_FLUSH) != 0;
  }

  /** The server accepts the FUA flag on writes. */
  public boolean canFua() {
    return (flags & NbdProtocol.FLAG_SEND_FUA) != 0;
  }

  /** The server accepts NBD_CMD_TRIM. */
  public boolean canTrim() {
    return (flags & NbdProtocol.FLAG_SEND_TRIM) != 0;
  }
}
