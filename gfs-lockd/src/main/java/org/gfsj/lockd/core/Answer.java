package org.gfsj.lockd.core;

/**
 * What the lock space answers to one request. {@code mode}, {@code valueBlock} and
 * {@code valueBlockValid} are meaningful for GRANTED only.
 */
public record Answer(
    Status status, LockMode mode, byte[] valueBlock, boolean valueBlockValid, String error) {

  public enum Status {
    /** Granted now; the answer carries the mode and the value block. */
    GRANTED,
    /** Queued; a "granted" event follows. */
    QUEUED,
    /** A NOQUEUE request that could not be granted at once; nothing changed. */
    NOT_GRANTED,
    /** The conversion would wait forever on a holder that waits on this one; nothing changed. */
    DEADLOCK,
    /** Done (release, registration, renewal, report). */
    OK,
    /** Refused; {@code error} says why and what to do. */
    REFUSED
  }

  public static final Answer OK = new Answer(Status.OK, null, null, true, "");
  public static final Answer QUEUED = new Answer(Status.QUEUED, null, null, true, "");
  public static final Answer NOT_GRANTED = new Answer(Status.NOT_GRANTED, null, null, true, "");

  static Answer granted(LockMode mode, Resource r) {
    return new Answer(Status.GRANTED, mode, r.valueBlock.clone(), r.valueBlockValid, "");
  }

  static Answer refused(String why) {
    return new Answer(Status.REFUSED, null, null, true, why);
  }

  static Answer deadlock(String why) {
    return new Answer(Status.DEADLOCK, null, null, true, why);
  }
}
