package org.gfsj.lockd.tls;

import java.net.InetSocketAddress;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509TrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.thirdparty.io.netty.buffer.ByteBufAllocator;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.ClientAuth;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContextBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslHandler;

/**
 * Mutual TLS for lockd's Raft connections: the key and certificate this end shows (none for a
 * client that has none, which every peer refuses), and the trust manager that checks the other
 * end. Handed to lockd's Raft RPC through Ratis {@link Parameters}, where Ratis passes its
 * factories nothing else.
 */
public final class RaftTls {
  private static final String PARAMETER = "gfsj.lockd.raft.tls";

  private final SslContext server;
  private final SslContext client;

  /** {@code keyManager} may be null: such an end can only connect, and is refused. */
  public RaftTls(KeyManager keyManager, X509TrustManager trust) {
    try {
      client = SslContextBuilder.forClient().keyManager(keyManager).trustManager(trust).build();
      server = keyManager == null ? null
          : SslContextBuilder.forServer(keyManager).trustManager(trust)
              .clientAuth(ClientAuth.REQUIRE).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for Raft: " + e, e);
    }
  }

  /** Ratis parameters that carry this TLS setting to lockd's Raft RPC. */
  public Parameters parameters() {
    Parameters parameters = new Parameters();
    parameters.put(PARAMETER, this, RaftTls.class);
    return parameters;
  }

  /** The TLS setting in {@code parameters}, or null for plain connections. */
  public static RaftTls of(Parameters parameters) {
    return parameters == null ? null : parameters.get(PARAMETER, RaftTls.class);
  }

  /** The handler for a connection this end accepted: it demands the other end's certificate. */
  public SslHandler serverHandler(ByteBufAllocator alloc) {
    if (server == null) {
      throw new IllegalStateException("a Raft server needs a key and certificate to show");
    }
    return server.newHandler(alloc);
  }

  /**
   * The handler for a connection to {@code address}: the certificate there must carry that
   * host, as HTTPS checks it, and the trust manager also sees the port to tell peers apart.
   */
  public SslHandler clientHandler(ByteBufAllocator alloc, InetSocketAddress address) {
    SslHandler handler = client.newHandler(alloc, address.getHostString(), address.getPort());
    SSLEngine engine = handler.engine();
    SSLParameters params = engine.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(params);
    return handler;
  }
}
