package org.gfsj.lockd.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.apache.ratis.conf.Parameters;

/**
 * What one end of a Raft connection shows and trusts: its own key and certificate, and the
 * cluster CA ({@link ClusterCa}) that every other end's certificate must chain to. Loaded from
 * a TLS directory and checked before Ratis sees it, so that a peer with a missing, foreign or
 * expired certificate stops at start with a message that says what to do, instead of failing
 * each handshake later.
 */
public final class PeerCredentials {
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final X509Certificate ca;

  private PeerCredentials(PrivateKey key, X509Certificate certificate, X509Certificate ca) {
    this.key = key;
    this.certificate = certificate;
    this.ca = ca;
  }

  /**
   * Reads {@code NAME.key}, {@code NAME.crt} and {@code ca.crt} from {@code dir}. {@code name} is
   * a peer id, or {@link ClusterCa#ADMIN} for the tools.
   */
  public static PeerCredentials load(Path dir, String name) throws IOException {
    Path keyFile = dir.resolve(name + ".key");
    Path certFile = dir.resolve(name + ".crt");
    Path caFile = dir.resolve(ClusterCa.CA + ".crt");
    String remedy = ClusterCa.ADMIN.equals(name)
        ? "copy " + dir + " from where gfs-tool keygen made it"
        : "make them with gfs-tool keygen --dir " + dir + " --peers " + name
            + "=HOST:PORT (it reuses the CA already there) and copy them to this peer";
    for (Path p : List.of(caFile, certFile, keyFile)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException("TLS directory " + dir + " has no " + p.getFileName() + " for "
            + name + "; " + remedy);
      }
    }
    checkPrivate(keyFile);
    X509Certificate ca = Pem.readCertificate(caFile);
    X509Certificate cert = Pem.readCertificate(certFile);
    PrivateKey key = Pem.readKey(keyFile);
    try {
      cert.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IOException(certFile + " (" + cert.getSubjectX500Principal().getName()
          + ") is not signed by the cluster CA in " + caFile + " ("
          + ca.getSubjectX500Principal().getName() + "); issue it again from that CA with "
          + "gfs-tool keygen --dir DIR-WITH-THE-CLUSTER-CA --peers " + name + "=HOST:PORT");
    }
    try {
      cert.checkValidity();
      ca.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new IOException(certFile + " or " + caFile + " is not valid now (" + e.getMessage()
          + "); make new ones with gfs-tool keygen --days N");
    }
    checkKeyMatches(key, cert, keyFile, certFile);
    String named = CertificateName.of(cert);
    if (!name.equals(named)) {
      throw new IOException(certFile + " names " + (named == null ? "no one" : named)
          + ", not " + name + ": the other peers accept Raft traffic for " + name
          + " only from a certificate that names it. " + remedy);
    }
    return new PeerCredentials(key, cert, ca);
  }

  private static void checkPrivate(Path keyFile) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
      if (perms.contains(PosixFilePermission.OTHERS_READ)
          || perms.contains(PosixFilePermission.GROUP_READ)) {
        throw new IOException("private key " + keyFile + " is readable by others; chmod 600 it");
      }
    } catch (UnsupportedOperationException notPosix) {
      // Nothing to check on this filesystem.
    }
  }

  private static void checkKeyMatches(PrivateKey key, X509Certificate cert, Path keyFile,
      Path certFile) throws IOException {
    try {
      byte[] probe = "gfsj".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(cert.getSigAlgName());
      s.initSign(key);
      s.update(probe);
      byte[] signed = s.sign();
      Signature v = Signature.getInstance(cert.getSigAlgName());
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      if (!v.verify(signed)) {
        throw new GeneralSecurityException("signature does not verify");
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(keyFile + " is not the key of " + certFile
          + "; copy the pair that gfs-tool keygen made together");
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The subject of the certificate this end shows, for logs. */
  public String subject() {
    return certificate.getSubjectX500Principal().getName();
  }

  /** The cluster CA this end trusts, by name and SHA-256 fingerprint, for logs. */
  public String trustedCa() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(ca.getEncoded());
      return ca.getSubjectX500Principal().getName() + " (SHA-256 fingerprint "
          + java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest) + ")";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Ratis parameters that make lockd's Raft RPC (server, clients and admin clients) speak TLS
   * with this key and certificate, trust only the cluster CA, and demand a certificate of the
   * other end. A peer's identity is its certificate's name: a certificate found at a peer's
   * address in {@code directory} must name that peer ({@link PeerTrustManager}), and a peer
   * speaking to this server must speak for the name in its certificate
   * ({@link RaftIdentityCheck}).
   */
  public Parameters raftParameters(PeerDirectory directory) {
    return new RaftTls(keyManager(), new PeerTrustManager(ca, directory)).parameters();
  }

  private KeyManager keyManager() {
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("gfsj", key, password, new Certificate[] {certificate});
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(store, password);
      return f.getKeyManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot use the key of " + subject() + ": " + e, e);
    }
  }
}
