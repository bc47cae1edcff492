package org.gfsj.fs.vfs;

import java.io.IOException;

/**
 * A filesystem operation failed with an errno. The message is for the log and the operator (which
 * inode, which name, what to do); the errno is what the caller's program sees.
 */
public class FsException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Errno errno;
  private final String detail;

  public FsException(Errno errno, String message) {
    super(errno + ": " + message);
    this.errno = errno;
    this.detail = message;
  }

  public FsException(Errno errno, String message, Throwable cause) {
    super(errno + ": " + message, cause);
    this.errno = errno;
    this.detail = message;
  }

  /** The message without the errno in front: to pass on in another FsException. */
  public String detail() {
    return detail;
  }

  /**
   * No stack trace: ENOENT, EEXIST and the like are answers, one per negative lookup of every
   * create, and the trace was a tenth of a create's cost. What caused a failure worth a trace is
   * kept as the cause.
   */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  public Errno errno() {
    return errno;
  }
}
