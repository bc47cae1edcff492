package org.gfsj.lockd.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reading the PEM files of a TLS directory, with errors that name the file and the fix. */
final class Pem {
  private Pem() {}

  static X509Certificate readCertificate(Path file) throws IOException {
    Object o = parse(file);
    if (!(o instanceof X509CertificateHolder holder)) {
      throw new IOException(file + " holds no PEM certificate; make it again with gfs-tool keygen");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new IOException(file + ": unreadable certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readKey(Path file) throws IOException {
    Object o = parse(file);
    PrivateKeyInfo info;
    if (o instanceof PrivateKeyInfo k) {
      info = k;
    } else if (o instanceof PEMKeyPair pair) {
      info = pair.getPrivateKeyInfo();
    } else {
      throw new IOException(file + " holds no unencrypted PEM private key; "
          + "make it again with gfs-tool keygen");
    }
    return new JcaPEMKeyConverter().getPrivateKey(info);
  }

  private static Object parse(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
      return p.readObject();
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "missing");
    }
  }
}
