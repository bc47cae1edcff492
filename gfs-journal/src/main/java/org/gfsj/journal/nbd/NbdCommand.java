package org.gfsj.journal.nbd;

/** The request types of the transmission phase that this client sends. */
enum NbdCommand {
  READ(0),
  WRITE(1),
  DISC(2),
  FLUSH(3),
  TRIM(4);

  private final int code;

  NbdCommand(int code) {
    this.code = code;
  }

  /** The type field of the request header. */
  int code() {
    return code;
  }
}
