package dev.corridor.operator.webhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate someone else issues and renews (cert-manager), mounted as {@code tls.crt} and {@code tls.key}. The
 * kubelet replaces the files when the Secret changes; each refresh reads them again and the next handshake uses them.
 */
public final class MountedCertificates implements CertificateSource {
    private static final Logger LOG = LoggerFactory.getLogger(MountedCertificates.class);

    private final Path directory;
    private final SwappableKeyManager keyManager;

    MountedCertificates(Path directory, SwappableKeyManager keyManager) {
        this.directory = directory;
        this.keyManager = keyManager;
    }

    @Override
    public void refresh() throws IOException {
        Path certificateFile = directory.resolve(GeneratedCertificates.TLS_CERTIFICATE);
        Path keyFile = directory.resolve(GeneratedCertificates.TLS_KEY);
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = Pem.certificates(Files.readString(certificateFile));
            key = Pem.privateKey(Files.readString(keyFile));
        } catch (IOException e) {
            throw new IOException(
                    "cannot load the webhook certificate from " + certificateFile + " and " + keyFile + ": "
                            + e.getMessage(),
                    e);
        }
        ServingCertificate loaded = new ServingCertificate(chain, key);
        if (!loaded.equals(keyManager.current())) {
            LOG.info(
                    "serving the webhook certificate from {} (valid until {})",
                    certificateFile,
                    chain.getFirst().getNotAfter().toInstant());
        }
        keyManager.use(loaded);
    }
}
