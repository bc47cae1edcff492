package org.gfsj.lockd.wire;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A peer's address as an operator writes it in {@code --peers}: "host:port". Java prints an
 * address made from a host name as "host/address:port", or "host/<unresolved>:port" before
 * resolution, which the lockd messages repeated.
 */
public final class HostPort {
  private HostPort() {}

  public static String of(SocketAddress address) {
    return address instanceof InetSocketAddress a ? a.getHostString() + ":" + a.getPort()
        : String.valueOf(address);
  }
}
