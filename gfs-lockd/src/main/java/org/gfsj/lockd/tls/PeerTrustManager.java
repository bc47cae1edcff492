package org.gfsj.lockd.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.LoggerFactory;

/**
 * Trust for Raft connections: a certificate must chain to the cluster CA (with the usual
 * host-name check, done by the JDK's PKIX trust manager this one wraps) and, on a connection
 * this end opens to a peer, must name the peer that the group places at that address. So a
 * holder of n2's certificate listening on n3's address is refused instead of answering (and
 * voting) as n3. The other direction, a connecting end that claims a peer id in its requests,
 * is checked per request by {@link RaftIdentityCheck}, since the id is only known from them.
 */
final class PeerTrustManager extends X509ExtendedTrustManager {
  private final Complaints complaints =
      new Complaints(LoggerFactory.getLogger(PeerTrustManager.class));
  private final X509ExtendedTrustManager ca;
  private final PeerDirectory directory;

  PeerTrustManager(X509Certificate clusterCa, PeerDirectory directory) {
    this.ca = pkix(clusterCa);
    this.directory = directory;
  }

  private static X509ExtendedTrustManager pkix(X509Certificate clusterCa) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("gfsj-cluster-ca", clusterCa);
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      for (TrustManager t : f.getTrustManagers()) {
        if (t instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("this JVM has no X.509 trust manager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot trust the cluster CA: " + e, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, engine);
    expectPeerAt(chain[0], engine.getPeerHost(), engine.getPeerPort());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, socket);
    if (socket != null && socket.getInetAddress() != null) {
      expectPeerAt(chain[0], socket.getInetAddress().getHostAddress(), socket.getPort());
    }
  }

  private void expectPeerAt(X509Certificate cert, String host, int port)
      throws CertificateException {
    if (host == null || port <= 0) {
      return;
    }
    String expected = directory.idAt(host, port);
    String named = CertificateName.of(cert);
    if (expected != null && !expected.equals(named)) {
      String why = "lockd peer at " + host + ":" + port + " is " + expected
          + " in the Raft group, but its certificate names " + named + "; refusing it. Another "
          + "holder of a cluster certificate may be impersonating " + expected + ", or "
          + expected + "'s --tls-dir holds the wrong files (it needs " + expected + ".crt and "
          + expected + ".key from gfs-tool keygen)";
      complaints.error(host + ":" + port + " " + named, why);
      throw new CertificateException(why);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }
}
