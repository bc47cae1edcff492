package org.gfsj.journal.log;

import java.io.IOException;

/** A journal structure failed its checks: the node must stop writing and an operator must act. */
public class JournalCorruptException extends IOException {
  private static final long serialVersionUID = 1L;

  public JournalCorruptException(String message) {
    super(message);
  }
}
