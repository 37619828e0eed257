package dev.corridor.operator.webhook;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves whatever certificate was loaded last, so a renewed or re-mounted certificate takes effect without a
 * restart: new handshakes use it, open connections finish with the old one.
 */
final class SwappableKeyManager extends X509ExtendedKeyManager {
    /**
     * The certificate in use and the one before it, each under its own alias: a handshake that chose an alias just
     * before a swap still gets a chain and a key that belong together.
     */
    private record Loaded(int generation, ServingCertificate certificate, Loaded previous) {
        String alias() {
            return "webhook-" + generation;
        }

        ServingCertificate find(String alias) {
            if (alias().equals(alias)) {
                return certificate;
            }
            return previous != null && previous.alias().equals(alias) ? previous.certificate : null;
        }
    }

    private final AtomicReference<Loaded> loaded = new AtomicReference<>();

    void use(ServingCertificate certificate) {
        loaded.updateAndGet(last -> last == null
                ? new Loaded(1, certificate, null)
                : last.certificate.equals(certificate)
                        ? last
                        : new Loaded(
                                last.generation + 1, certificate, new Loaded(last.generation, last.certificate, null)));
    }

    /** True once a certificate is loaded and still valid. */
    boolean serving(Instant now) {
        ServingCertificate certificate = current();
        return certificate != null
                && certificate.chain().getFirst().getNotAfter().toInstant().isAfter(now);
    }

    ServingCertificate current() {
        Loaded last = loaded.get();
        return last == null ? null : last.certificate;
    }

    private String aliasFor(String keyType) {
        Loaded last = loaded.get();
        if (last == null) {
            return null;
        }
        String algorithm = last.certificate.key().getAlgorithm();
        // The JDK asks per key type: "EC" for ECDSA keys, "RSA" or "RSASSA-PSS" for RSA keys.
        boolean matches = keyType.equals(algorithm) || (algorithm.equals("RSA") && keyType.equals("RSASSA-PSS"));
        return matches ? last.alias() : null;
    }

    private ServingCertificate find(String alias) {
        Loaded last = loaded.get();
        return last == null ? null : last.find(alias);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        ServingCertificate certificate = find(alias);
        return certificate == null ? null : certificate.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        ServingCertificate certificate = find(alias);
        return certificate == null ? null : certificate.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
