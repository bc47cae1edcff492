package org.gfsj.fs.mkfs;

import java.io.IOException;

/** mkfs refuses or cannot go on; the message says why and what the operator can change. */
public final class MkfsException extends IOException {
  private static final long serialVersionUID = 1L;

  public MkfsException(String message) {
    super(message);
  }
}
