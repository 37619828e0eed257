package dev.corridor.operator.webhook;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The webhook's own small PKI: a long-lived CA, whose certificates the API server trusts through the webhook
 * configuration's caBundle, and a shorter-lived serving certificate it signs. Renewing the serving certificate
 * leaves the caBundle alone; a new CA is introduced a year before the old one expires and both stay in the
 * bundle until the old one has expired, so no API server ever holds a bundle that does not verify the webhook.
 *
 * @param authorities the CAs to trust, newest first; the first one signs
 */
public record WebhookCertificates(
        List<X509Certificate> authorities, PrivateKey authorityKey, X509Certificate serving, PrivateKey servingKey) {
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    static final Duration CA_RENEW_BEFORE = Duration.ofDays(365);
    static final Duration SERVING_LIFETIME = Duration.ofDays(365);
    static final Duration SERVING_RENEW_BEFORE = Duration.ofDays(30);

    public WebhookCertificates {
        authorities = List.copyOf(authorities);
    }

    /** A new CA and a serving certificate for these DNS names. */
    public static WebhookCertificates create(List<String> dnsNames, Instant now) {
        KeyPair ca = keyPair();
        return issue(List.of(authority(ca, now)), ca.getPrivate(), dnsNames, now);
    }

    /** A new serving certificate for these DNS names under these CAs, the first of which signs it. */
    static WebhookCertificates issue(
            List<X509Certificate> authorities, PrivateKey authorityKey, List<String> dnsNames, Instant now) {
        KeyPair serving = keyPair();
        return new WebhookCertificates(
                authorities,
                authorityKey,
                serving(authorities.getFirst(), authorityKey, serving, dnsNames, now),
                serving.getPrivate());
    }

    /**
     * What should replace these certificates now, or empty when they are good as they are: a new CA a year before the
     * signing one expires; a new serving certificate before it expires, when the names change, when an expired CA
     * leaves the bundle, or when no CA of the bundle signed it (the CA was replaced).
     */
    public Optional<WebhookCertificates> renewal(List<String> dnsNames, Instant now) {
        X509Certificate signer = authorities.getFirst();
        List<X509Certificate> current = authorities.stream()
                .filter(ca -> ca.getNotAfter().toInstant().isAfter(now))
                .toList();
        if (expiresWithin(signer, now, CA_RENEW_BEFORE)) {
            KeyPair ca = keyPair();
            List<X509Certificate> bundle = new ArrayList<>();
            bundle.add(authority(ca, now));
            bundle.addAll(current);
            return Optional.of(issue(bundle, ca.getPrivate(), dnsNames, now));
        }
        if (expiresWithin(serving, now, SERVING_RENEW_BEFORE)
                || !names(serving).equals(Set.copyOf(dnsNames))
                || current.size() != authorities.size()
                || current.stream().noneMatch(ca -> signed(serving, ca))) {
            return Optional.of(issue(current, authorityKey, dnsNames, now));
        }
        return Optional.empty();
    }

    private static boolean signed(X509Certificate certificate, X509Certificate authority) {
        try {
            certificate.verify(authority.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    ServingCertificate servingCertificate() {
        return new ServingCertificate(List.of(serving), servingKey);
    }

    private static boolean expiresWithin(X509Certificate certificate, Instant now, Duration margin) {
        return !certificate.getNotAfter().toInstant().isAfter(now.plus(margin));
    }

    private static Set<String> names(X509Certificate certificate) {
        Set<String> names = new HashSet<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                certificate.getSubjectAlternativeNames().stream()
                        .filter(name -> (Integer) name.get(0) == GeneralName.dNSName)
                        .forEach(name -> names.add((String) name.get(1)));
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("a certificate this class made has readable names", e);
        }
        return names;
    }

    private static X509Certificate authority(KeyPair keys, Instant now) {
        X500Principal name = new X500Principal("CN=corridor-webhook-ca-" + now.getEpochSecond());
        JcaX509v3CertificateBuilder builder = builder(name, name, keys, now, CA_LIFETIME);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("building a CA certificate", e);
        }
        return sign(builder, keys.getPrivate());
    }

    private static X509Certificate serving(
            X509Certificate authority, PrivateKey authorityKey, KeyPair keys, List<String> dnsNames, Instant now) {
        JcaX509v3CertificateBuilder builder = builder(
                authority.getSubjectX500Principal(),
                new X500Principal("CN=" + dnsNames.getFirst()),
                keys,
                now,
                SERVING_LIFETIME);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(dnsNames.stream()
                                    .map(dns -> new GeneralName(GeneralName.dNSName, dns))
                                    .toArray(GeneralName[]::new)))
                    .addExtension(
                            Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(authority))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("building a serving certificate", e);
        }
        return sign(builder, authorityKey);
    }

    /** Valid from an hour ago, so that a node whose clock lags a little still accepts it. */
    private static JcaX509v3CertificateBuilder builder(
            X500Principal issuer, X500Principal subject, KeyPair keys, Instant now, Duration lifetime) {
        return new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(127, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(lifetime)),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("signing a certificate", e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has P-256", e);
        }
    }
}
