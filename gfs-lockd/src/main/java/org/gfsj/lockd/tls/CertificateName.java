package org.gfsj.lockd.tls;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Who a cluster certificate says its holder is: the common name that {@link ClusterCa#issue}
 * writes, a peer id or {@link ClusterCa#ADMIN}. The CA signs one name per key, so a peer's
 * identity on the wire is this name, never the id it claims inside a message.
 */
public final class CertificateName {
  private CertificateName() {}

  /** The CN of {@code certificate}'s subject, or null if it has none. */
  public static String of(X509Certificate certificate) {
    RDN[] cn = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded())
        .getRDNs(BCStyle.CN);
    return cn.length == 0 ? null : IETFUtils.valueToString(cn[0].getFirst().getValue());
  }
}
