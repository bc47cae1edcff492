package org.gfsj.lockd.tls;

import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.LoggerFactory;

/**
 * Binds a Raft peer's identity to its certificate on this peer's Raft server: every
 * peer-to-peer request (votes, appends, snapshots, election starts) names its sender, and that
 * name must be the one the sender's TLS certificate carries. A holder of n2's certificate that
 * speaks as n3 is refused, and this peer logs who tried. Client and admin requests carry no peer
 * id; the cluster CA's signature, checked in the handshake, is all they need.
 */
public final class RaftIdentityCheck {
  private final Complaints complaints =
      new Complaints(LoggerFactory.getLogger(RaftIdentityCheck.class));

  /**
   * Null if a connection whose certificate names {@code named} (see {@link #certificateName})
   * may speak for peer {@code claimed}; otherwise why not, also logged. {@code what} names the
   * request.
   */
  public String refusal(String named, String claimed, String what, SocketAddress from) {
    if (named != null && named.equals(claimed)) {
      return null;
    }
    String why = "refused Raft " + what + " from " + from + ": its certificate names " + named
        + " but it speaks for peer " + claimed + "; a peer may only act as the id in its own "
        + "certificate (gfs-tool keygen issues one per peer id)";
    complaints.error(named + " as " + claimed, why);
    return why;
  }

  /** The name in the certificate the other end of {@code session} showed, or null. */
  public static String certificateName(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x
          ? CertificateName.of(x) : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
