package org.gfsj.lockd.tls;

/**
 * Which peer id the Raft group places at a Raft address, so that the certificate found there
 * can be checked against it.
 */
@FunctionalInterface
public interface PeerDirectory {
  /** Knows no peer: only the CA's signature is checked. */
  PeerDirectory NONE = (host, port) -> null;

  /** The id of the peer at {@code host:port}, or null if no peer of the group is there. */
  String idAt(String host, int port);
}
