package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.net.Ip;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Throwaway keys and certificates for tests: self-signed ones, and a CA that issues certificates for host names. */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final char[] PASSWORD = "throwaway".toCharArray();

    private TestCertificates() {}

    /** A key and the chain that presents it, the key's own certificate first. */
    public record Identity(KeyPair key, List<X509Certificate> chain) {
        public Identity {
            chain = List.copyOf(chain);
        }

        public X509Certificate certificate() {
            return chain.getFirst();
        }

        /** The pin that trusts this key ({@code --servercert}). */
        public PublicKeyPin pin() {
            return PublicKeyPin.of(certificate());
        }

        /** A TLS server context that presents this identity. */
        public SSLContext serverContext() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("identity", key.getPrivate(), PASSWORD, chain.toArray(Certificate[]::new));
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, PASSWORD);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), null, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A certificate authority that issues certificates naming hosts (IP literals or DNS names). */
    public static final class Authority {
        private final KeyPair key;
        private final X500Name name;
        private final X509Certificate certificate;

        private Authority(KeyPair key, X500Name name, X509Certificate certificate) {
            this.key = key;
            this.name = name;
            this.certificate = certificate;
        }

        public static Authority create(String commonName) {
            KeyPair key = ecKey();
            X500Name name = new X500Name("CN=" + commonName);
            return new Authority(key, name, sign(name, name, key.getPublic(), key.getPrivate(), List.of(), true));
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** A fresh key with a certificate for {@code hosts}, issued by this CA. */
        public Identity issue(String... hosts) {
            KeyPair leaf = ecKey();
            X509Certificate issued = sign(
                    new X500Name("CN=" + hosts[0]), name, leaf.getPublic(), key.getPrivate(), List.of(hosts), false);
            return new Identity(leaf, List.of(issued, certificate));
        }

        /** Writes the CA certificate as PEM, as {@code --cafile} reads it. */
        public Path writePem(Path file) {
            try {
                Files.writeString(file, pem(certificate));
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A fresh EC key with a self-signed certificate for {@code hosts}. */
    public static Identity selfSigned(String... hosts) {
        return selfSigned(ecKey(), hosts);
    }

    /** A self-signed certificate for {@code key}, naming {@code hosts}. */
    public static Identity selfSigned(KeyPair key, String... hosts) {
        X500Name name = new X500Name("CN=" + hosts[0]);
        return new Identity(key, List.of(sign(name, name, key.getPublic(), key.getPrivate(), List.of(hosts), false)));
    }

    public static KeyPair ecKey() {
        return generate("EC", 256);
    }

    public static KeyPair rsaKey() {
        return generate("RSA", 2048);
    }

    private static KeyPair generate(String algorithm, int size) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(size);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(
            X500Name subject,
            X500Name issuer,
            java.security.PublicKey subjectKey,
            PrivateKey issuerKey,
            List<String> hosts,
            boolean authority) {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                subjectKey);
        try {
            if (authority) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String host : hosts) {
                    names.add(new GeneralName(Ip.isLiteral(host) ? GeneralName.iPAddress : GeneralName.dNSName, host));
                }
                builder.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(X509Certificate certificate) {
        try {
            StringWriter out = new StringWriter();
            out.write("-----BEGIN CERTIFICATE-----\n");
            out.write(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded()));
            out.write("\n-----END CERTIFICATE-----\n");
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
