package org.gfsj.lockd.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority: a self-signed CA whose key signs one key and certificate
 * per lockd peer (and one for the admin tools), so that peers accept Raft traffic only from
 * holders of a certificate it signed (mutual TLS, see {@link PeerCredentials}).
 *
 * <p>Files in the TLS directory, all PEM: {@code ca.crt} and {@code ca.key}; {@code ID.crt} and
 * {@code ID.key} per peer; {@code admin.crt} and {@code admin.key} for gfs-tool. Keys are
 * PKCS#8, written with mode 600 from the moment they exist. Keys are EC P-256 and certificates
 * are signed with SHA256withECDSA. A peer certificate names its host from {@code --peers} as a
 * subject alternative name, because the connecting side checks it like a web browser does.
 */
public final class ClusterCa {
  public static final String CA = "ca";
  /** The name of the credentials gfs-tool uses as a Raft client. */
  public static final String ADMIN = "admin";

  private final PrivateKey key;
  private final X509Certificate certificate;

  private ClusterCa(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** A new CA named after the cluster, valid for {@code validity}. */
  public static ClusterCa create(String cluster, Duration validity) {
    KeyPair pair = newKeyPair();
    X500Name name = new X500Name("CN=gfsj lockd CA " + cluster);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = builder(name, name, pair, validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new ClusterCa(pair.getPrivate(), sign(b, pair.getPrivate()));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the cluster CA: " + e, e);
    }
  }

  /** The CA stored in {@code dir} by an earlier {@link #write}. */
  public static ClusterCa read(Path dir) throws IOException {
    return new ClusterCa(Pem.readKey(dir.resolve(CA + ".key")),
        Pem.readCertificate(dir.resolve(CA + ".crt")));
  }

  public static boolean existsIn(Path dir) {
    return Files.exists(dir.resolve(CA + ".crt")) || Files.exists(dir.resolve(CA + ".key"));
  }

  /** Writes {@code ca.crt} and {@code ca.key}; returns the paths written. */
  public List<Path> write(Path dir, boolean overwrite) throws IOException {
    return writePair(dir, CA, key, certificate, overwrite);
  }

  /**
   * Issues a key and certificate for {@code name}, good for both ends of a TLS connection;
   * {@code host} (a name or an IP literal, or null for the admin tools) goes into the subject
   * alternative names. Returns the paths written.
   */
  public List<Path> issue(Path dir, String name, String host, Duration validity,
      boolean overwrite) throws IOException {
    KeyPair pair = newKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = builder(
          X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
          new X500Name("CN=" + name), pair, validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.authorityKeyIdentifier, false,
              ext.createAuthorityKeyIdentifier(certificate))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(pair.getPublic()));
      if (host != null) {
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(alternativeNames(host)));
      }
      return writePair(dir, name, pair.getPrivate(), sign(b, key), overwrite);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + name + ": " + e, e);
    }
  }

  private static GeneralName[] alternativeNames(String host) throws IOException {
    List<GeneralName> names = new ArrayList<>();
    if (isIpLiteral(host)) {
      names.add(new GeneralName(GeneralName.iPAddress, host));
    } else {
      names.add(new GeneralName(GeneralName.dNSName, host));
    }
    return names.toArray(new GeneralName[0]);
  }

  private static boolean isIpLiteral(String host) throws IOException {
    if (host.contains(":")) {
      return true;
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    InetAddress.getByName(host); // parses the literal, no lookup
    return true;
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
      KeyPair pair, Duration validity) {
    Instant now = Instant.now();
    // An hour of slack before now, for peers whose clocks run a little behind this host's.
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, new SecureRandom()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject,
        pair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys: " + e, e);
    }
  }

  private static List<Path> writePair(Path dir, String name, PrivateKey key,
      X509Certificate cert, boolean overwrite) throws IOException {
    Files.createDirectories(dir);
    Path keyFile = dir.resolve(name + ".key");
    Path certFile = dir.resolve(name + ".crt");
    if (!overwrite) {
      for (Path p : List.of(keyFile, certFile)) {
        if (Files.exists(p)) {
          throw new FileAlreadyExistsException(p.toString(), null,
              "already exists; remove it or use --force to replace it");
        }
      }
    }
    writeKey(keyFile, pem(new JcaPKCS8Generator(key, null)));
    Files.writeString(certFile, pem(cert));
    return List.of(certFile, keyFile);
  }

  /** Creates the key file with mode 600 before any byte is in it. */
  private static void writeKey(Path file, String pem) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-------")));
    Files.write(file, pem.getBytes(StandardCharsets.US_ASCII),
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static String pem(Object o) throws IOException {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(o);
    }
    return s.toString();
  }
}
