package dev.corridor.sidecar.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMDecryptorProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * A client certificate with its chain and private key, read as openconnect reads {@code -c} and {@code -k}: a PKCS#12
 * file, or PEM with the certificate (and its chain), the key in the same file or its own, in PKCS#1, SEC1, PKCS#8,
 * encrypted PKCS#8 or OpenSSL's legacy encrypted form, RSA or EC. Files are read again at every login, so a renewed
 * certificate (cert-manager rewriting a Secret) takes effect without a restart.
 */
public record ClientIdentity(PrivateKey key, List<X509Certificate> chain) {
    /** A key or certificate file is a few kilobytes; a bound keeps a strange mount from being read whole. */
    private static final int MAX_FILE = 1 << 20;

    public ClientIdentity {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a client identity needs a certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** When the client certificate stops being valid. */
    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /**
     * Reads a certificate, its chain and its key.
     *
     * @param keyFile  where the key is, when not in {@code certificateFile}
     * @param password for an encrypted key or PKCS#12 file
     * @throws ClientIdentityException naming the file and what is wrong, never the password
     */
    public static ClientIdentity load(Path certificateFile, Optional<Path> keyFile, Optional<char[]> password)
            throws ClientIdentityException {
        byte[] certificateBytes = read(certificateFile);
        if (!looksLikePem(certificateBytes)) {
            if (keyFile.isPresent()) {
                throw new ClientIdentityException("the certificate " + certificateFile
                        + " is PKCS#12, which holds its own key: give no key file");
            }
            return fromPkcs12(certificateFile, certificateBytes, password);
        }
        Pem certificatePem = Pem.parse(certificateFile, certificateBytes, password);
        Pem keyPem = keyFile.isPresent() ? Pem.parse(keyFile.get(), read(keyFile.get()), password) : certificatePem;
        Path keySource = keyFile.orElse(certificateFile);
        if (certificatePem.certificates.isEmpty()) {
            throw new ClientIdentityException("the certificate file " + certificateFile + " holds no certificate");
        }
        if (keyPem.keys.isEmpty()) {
            throw new ClientIdentityException(
                    "no private key in " + keySource + (keyFile.isEmpty() ? "; give it with --sslkey" : ""));
        }
        PrivateKey key = keyPem.keys.getFirst();
        ClientIdentity identity = new ClientIdentity(key, certificatePem.certificates);
        identity.requireMatchingKey(keySource, certificateFile);
        return identity;
    }

    private static ClientIdentity fromPkcs12(Path file, byte[] bytes, Optional<char[]> password)
            throws ClientIdentityException {
        char[] secret = password.orElse(new char[0]);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), secret);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, secret);
                    Certificate[] chain = store.getCertificateChain(alias);
                    if (key instanceof PrivateKey privateKey && chain != null && chain.length > 0) {
                        List<X509Certificate> certificates = new ArrayList<>();
                        for (Certificate certificate : chain) {
                            certificates.add((X509Certificate) certificate);
                        }
                        return new ClientIdentity(privateKey, certificates);
                    }
                }
            }
            throw new ClientIdentityException("the PKCS#12 file " + file + " holds no private key with a certificate");
        } catch (IOException e) {
            throw new ClientIdentityException(
                    "cannot open the PKCS#12 file " + file
                            + (password.isEmpty()
                                    ? " without a password; give it with --key-password-file"
                                    : ": wrong password, or not PKCS#12")
                            + " (" + e.getMessage() + ")",
                    e);
        } catch (GeneralSecurityException e) {
            throw new ClientIdentityException("cannot read the PKCS#12 file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Signs and verifies a few bytes: a key that belongs to another certificate fails here, not at the gateway. */
    private void requireMatchingKey(Path keyFile, Path certificateFile) throws ClientIdentityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default ->
                throw new ClientIdentityException("the key in " + keyFile + " is " + key.getAlgorithm()
                        + "; Corridor takes RSA, EC or Ed25519 keys");
        };
        try {
            byte[] probe = "corridor client identity".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate().getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new ClientIdentityException(
                        "the key in " + keyFile + " does not belong to the certificate in " + certificateFile);
            }
        } catch (GeneralSecurityException e) {
            throw new ClientIdentityException(
                    "the key in " + keyFile + " does not belong to the certificate in " + certificateFile + " ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    private static byte[] read(Path file) throws ClientIdentityException {
        try (var in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE + 1);
            if (bytes.length > MAX_FILE) {
                throw new ClientIdentityException(
                        file + " is larger than " + MAX_FILE + " bytes: not a certificate or key");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ClientIdentityException(file + " does not exist", e);
        } catch (IOException e) {
            throw new ClientIdentityException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean looksLikePem(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
    }

    @Override
    public String toString() {
        return "ClientIdentity[" + certificate().getSubjectX500Principal().getName() + ", until " + notAfter()
                + "]"; // never the key
    }

    /** What a PEM file holds: certificates in order, and private keys, decrypted with the password when needed. */
    private static final class Pem {
        final List<X509Certificate> certificates = new ArrayList<>();
        final List<PrivateKey> keys = new ArrayList<>();

        static Pem parse(Path file, byte[] bytes, Optional<char[]> password) throws ClientIdentityException {
            Pem pem = new Pem();
            JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
            JcaX509CertificateConverter certificates = new JcaX509CertificateConverter();
            try (Reader reader = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.US_ASCII);
                    PEMParser parser = new PEMParser(reader)) {
                Object item;
                while ((item = parser.readObject()) != null) {
                    switch (item) {
                        case X509CertificateHolder holder -> pem.certificates.add(certificates.getCertificate(holder));
                        case PEMKeyPair pair ->
                            pem.keys.add(keys.getKeyPair(pair).getPrivate());
                        case PrivateKeyInfo info -> pem.keys.add(keys.getPrivateKey(info));
                        case PKCS8EncryptedPrivateKeyInfo encrypted -> {
                            InputDecryptorProvider decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder()
                                    .setProvider(BouncyCastle.PROVIDER)
                                    .build(required(password, file));
                            pem.keys.add(keys.getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor)));
                        }
                        case PEMEncryptedKeyPair encrypted -> {
                            PEMDecryptorProvider decryptor = new JcePEMDecryptorProviderBuilder()
                                    .setProvider(BouncyCastle.PROVIDER)
                                    .build(required(password, file));
                            pem.keys.add(keys.getKeyPair(encrypted.decryptKeyPair(decryptor))
                                    .getPrivate());
                        }
                        default -> {
                            // parameters (EC PARAMETERS before a SEC1 key) and other objects carry nothing for us
                        }
                    }
                }
            } catch (PKCSException | PEMException e) {
                throw new ClientIdentityException(
                        "cannot decrypt the key in " + file + " with the password given (" + e.getMessage() + ")", e);
            } catch (OperatorCreationException | CertificateException e) {
                throw new ClientIdentityException("cannot read " + file + ": " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                throw new ClientIdentityException(
                        file + " is not a readable PEM certificate or key: " + e.getMessage(), e);
            }
            return pem;
        }

        /**
         * Encrypted keys need Bouncy Castle's provider: the JCE has neither OpenSSL's key derivation nor the names its
         * PKCS#8 decryptor asks for. Made on first use, and never installed for the rest of the process.
         */
        private static final class BouncyCastle {
            static final java.security.Provider PROVIDER = new BouncyCastleProvider();
        }

        private static char[] required(Optional<char[]> password, Path file) throws ClientIdentityException {
            return password.orElseThrow(() -> new ClientIdentityException(
                    "the key in " + file + " is encrypted; give its password with --key-password-file"));
        }
    }
}
