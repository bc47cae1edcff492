package org.gfsj.journal.nbd;

import java.time.Duration;

/**
 * How patient the NBD client is.
 *
 * @param requestTimeout how long a request may go unanswered, reconnecting included, before its
 *     caller gets an error
 * @param connectTimeout how long connecting and the handshake may take, at open and on each
 *     reconnect attempt
 * @param reconnectAttempts how many times a lost connection is tried again before the requests
 *     waiting for it fail
 * @param reconnectDelay the wait before the first attempt; it doubles after each failure, up to
 *     {@link #MAX_RECONNECT_DELAY}
 */
public record NbdClientOptions(
    Duration requestTimeout, Duration connectTimeout, int reconnectAttempts,
    Duration reconnectDelay) {

  public static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(2);

  public NbdClientOptions {
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout " + requestTimeout + " is not positive");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connect timeout " + connectTimeout + " is not positive");
    }
    if (reconnectAttempts < 0) {
      throw new IllegalArgumentException("reconnect attempts " + reconnectAttempts + " < 0");
    }
    if (reconnectDelay.isNegative()) {
      throw new IllegalArgumentException("reconnect delay " + reconnectDelay + " is negative");
    }
  }

  /**
   * 5 s per request and per connection; 10 reconnect attempts from 100 ms apart up to 2 s apart
   * (about 13 s in all).
   */
  public static NbdClientOptions defaults() {
    return new NbdClientOptions(Duration.ofSeconds(5), Duration.ofSeconds(5), 10,
        Duration.ofMillis(100));
  }

  public NbdClientOptions withRequestTimeout(Duration timeout) {
    return new NbdClientOptions(timeout, connectTimeout, reconnectAttempts, reconnectDelay);
  }

  public NbdClientOptions withReconnect(int attempts, Duration delay) {
    return new NbdClientOptions(requestTimeout, connectTimeout, attempts, delay);
  }

  /** The wait before reconnect attempt {@code attempt} (0-based). */
  Duration delayBefore(int attempt) {
    Duration d = reconnectDelay.multipliedBy(1L << Math.min(attempt, 20));
    return d.compareTo(MAX_RECONNECT_DELAY) > 0 ? MAX_RECONNECT_DELAY : d;
  }
}
