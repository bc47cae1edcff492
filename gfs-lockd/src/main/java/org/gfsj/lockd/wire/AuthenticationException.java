package org.gfsj.lockd.wire;

/** The other end of a lockd connection cannot prove it holds this cluster's secret. */
public final class AuthenticationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }
}
