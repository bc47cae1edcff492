package org.gfsj.lockd.client;

/** A request lockd did not grant or perform; {@link #outcome} says which way it ended. */
public final class LockdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request failed. */
  public enum Outcome {
    /** NOQUEUE request that could not be granted at once. */
    NOT_GRANTED,
    /** The conversion would wait forever; release and lock again. */
    DEADLOCK,
    /** lockd refused it (misuse, or the node is no longer live); the message says why. */
    REFUSED,
    /** Cancelled by an unlock of the same resource. */
    CANCELLED,
    /** The client fenced itself (lease not renewed in time) or was closed. */
    FENCED
  }

  private final Outcome outcome;

  public LockdException(Outcome outcome, String message) {
    super(message);
    this.outcome = outcome;
  }

  public Outcome outcome() {
    return outcome;
  }
}
