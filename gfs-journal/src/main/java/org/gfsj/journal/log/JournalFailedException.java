package org.gfsj.journal.log;

import java.io.IOException;

/**
 * The journal stopped accepting transactions after an I/O error: the node withdraws from the
 * filesystem, and a later mount or another node's recovery replays what was committed.
 */
public class JournalFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  public JournalFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
