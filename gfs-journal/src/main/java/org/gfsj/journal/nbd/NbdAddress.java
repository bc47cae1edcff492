package org.gfsj.journal.nbd;

import java.net.URI;
import java.net.URISyntaxException;
import org.gfsj.journal.device.BlockDeviceException;

/**
 * Where an export lives: {@code nbd://host[:port]/exportname}. The port defaults to NBD's IANA port
 * 10809; the export name is the section name in nbd-server's config and must not be empty.
 */
public record NbdAddress(String host, int port, String exportName) {
  private static final String FORM = "nbd://host[:port]/exportname";

  public NbdAddress {
    if (host.isEmpty() || port < 1 || port > 65535 || exportName.isEmpty()) {
      throw new IllegalArgumentException("not a usable NBD address: " + host + ":" + port + "/"
          + exportName);
    }
  }

  /** Parses {@code spec}, or throws an error that says what a valid address looks like. */
  public static NbdAddress parse(String spec) throws BlockDeviceException {
    URI uri;
    try {
      uri = new URI(spec);
    } catch (URISyntaxException e) {
      throw malformed(spec, e.getReason() + " at index " + e.getIndex());
    }
    if (!"nbd".equalsIgnoreCase(uri.getScheme())) {
      throw malformed(spec, "the scheme is not nbd");
    }
    if (uri.getHost() == null) {
      throw malformed(spec, uri.getRawAuthority() == null
          ? "no host" : "the host or port '" + uri.getRawAuthority() + "' is not valid");
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw malformed(spec, "NBD addresses take no ?query or #fragment");
    }
    String path = uri.getPath();
    if (path == null || path.length() < 2) {
      throw malformed(spec, "no export name after the host");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() == -1 ? NbdProtocol.DEFAULT_PORT : uri.getPort();
    if (port == 0) {
      throw malformed(spec, "port 0 is not a port a server listens on");
    }
    return new NbdAddress(host, port, path.substring(1));
  }

  private static BlockDeviceException malformed(String spec, String why) {
    return new BlockDeviceException(spec, "not a valid NBD address (" + why + "); write it as "
        + FORM + ", for example nbd://198.18.0.1:10809/gfs");
  }

  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "nbd://" + h + ":" + port + "/" + exportName;
  }
}
