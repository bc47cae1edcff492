package org.gfsj.lockd.raftrpc;

import java.io.ObjectInputFilter;

/**
 * What Java deserialization may build in a lockd peer or tool. Ratis carries some exceptions and
 * stack traces as Java-serialized bytes (a Raft server's exception replies, a state machine's
 * exception to a client), so whoever answers at a peer's address (anyone who can listen there
 * when the peers run without TLS) could otherwise have this JVM build any serializable class on
 * its class path. Admitted: the JDK's, Ratis's (with its shaded libraries), RocksDB's and
 * GFSJ's classes, within bounds on depth, references and size far above what an exception with
 * its causes needs.
 */
public final class RaftSerialFilter {
  static final String PATTERN = "maxdepth=64;maxrefs=100000;maxbytes=8388608;"
      + "java.**;javax.**;org.apache.ratis.**;org.rocksdb.**;org.gfsj.**;!*";

  /** The filter itself, for a single stream or a test. */
  public static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(PATTERN);

  private RaftSerialFilter() {}

  /**
   * Makes {@link #FILTER} this JVM's filter for every deserialization, unless one is set already
   * (from {@code -Djdk.serialFilter}, which an operator may have chosen on purpose). Call it
   * first thing in a program's main.
   */
  public static void install() {
    synchronized (RaftSerialFilter.class) {
      if (ObjectInputFilter.Config.getSerialFilter() == null) {
        ObjectInputFilter.Config.setSerialFilter(FILTER);
      }
    }
  }
}
