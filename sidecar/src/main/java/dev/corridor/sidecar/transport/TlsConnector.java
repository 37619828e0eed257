package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Opens TLS connections to the gateway with the configured trust, SNI and timeouts.
 *
 * <p>Key exchange: like openconnect, a gateway that offers only RSA key exchange (older ASAs) is accepted, with a
 * warning that the session has no forward secrecy, unless {@code --pfs}. JDK 24 and later disable {@code TLS_RSA_*}
 * in {@code jdk.tls.disabledAlgorithms}, and an engine's own algorithm constraints can only narrow that list (the JDK
 * checks the security property as well, whatever the engine says), so a connector without {@code --pfs} takes
 * {@code TLS_RSA_*}, and nothing else, out of the property before the process's first TLS handshake, and offers
 * those suites last; a connector with {@code --pfs} leaves the property alone and offers none of them. TLS 1.0 and
 * 1.1, 3DES, RC4 and the rest of the list stay refused.
 */
public final class TlsConnector {
    private static final System.Logger LOG = System.getLogger(TlsConnector.class.getName());
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final String DISABLED_ALGORITHMS = "jdk.tls.disabledAlgorithms";
    private static final String RSA_KEY_EXCHANGE = "TLS_RSA_*";
    /** RSA key exchange suites, strongest first, as older ASAs offer them: offered after every suite with forward secrecy. */
    static final List<String> RSA_SUITES = List.of(
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA");

    private final TrustPolicy policy;
    private final List<GatewayTrustManager.Authority> authorities;
    private final Supplier<X509ExtendedTrustManager> systemStoreLoader;
    private X509ExtendedTrustManager systemStore; // read on first use; guarded by this
    private final Duration connectTimeout;
    private final Duration ioTimeout;
    private final boolean pfs;

    /** A connector that accepts RSA key exchange, with a warning, as openconnect does without {@code --pfs}. */
    public TlsConnector(TrustPolicy policy, Duration connectTimeout, Duration ioTimeout) {
        this(policy, connectTimeout, ioTimeout, false);
    }

    /**
     * @param ioTimeout how long a login or CONNECT reply may take; a gateway that stops answering mid-reply is
     *                  given up on after this, never waited for forever
     * @throws IllegalArgumentException when the CA file cannot be read, naming the file and why
     */
    public TlsConnector(TrustPolicy policy, Duration connectTimeout, Duration ioTimeout, boolean pfs) {
        this(policy, connectTimeout, ioTimeout, pfs, () -> trustManager(null));
    }

    /** @param systemStore the system trust store's manager, asked for on the first certificate the CA file refuses */
    TlsConnector(
            TrustPolicy policy,
            Duration connectTimeout,
            Duration ioTimeout,
            boolean pfs,
            Supplier<X509ExtendedTrustManager> systemStore) {
        this.pfs = pfs;
        if (!pfs) {
            allowRsaKeyExchange();
        }
        this.policy = policy;
        this.connectTimeout = connectTimeout;
        this.ioTimeout = ioTimeout;
        this.systemStoreLoader = systemStore;
        // The CA file first: when it accepts the gateway, the system store's ~150 certificates are never parsed
        // (about 0.1 s of the start and 1.2 MB of heap; docs/performance.md).
        List<GatewayTrustManager.Authority> ordered = new ArrayList<>();
        policy.caFile().map(file -> trustManager(loadCa(file))).ifPresent(ca -> ordered.add(ca::checkServerTrusted));
        if (policy.pins().isEmpty()) {
            ordered.add(this::checkAgainstSystemStore);
        }
        this.authorities = List.copyOf(ordered);
    }

    private void checkAgainstSystemStore(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        X509ExtendedTrustManager store;
        synchronized (this) {
            if (systemStore == null) {
                try {
                    systemStore = systemStoreLoader.get();
                } catch (IllegalStateException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
            }
            store = systemStore;
        }
        store.checkServerTrusted(chain, authType, engine);
    }

    /**
     * Connects and completes the TLS handshake; nothing is sent to the gateway before its certificate is accepted.
     *
     * @throws GatewayUnreachableException  no TCP connection could be made
     * @throws UntrustedCertificateException the certificate is neither trusted nor pinned
     */
    public TlsConnection connect(GatewayUrl url) throws IOException {
        return connect(url, Optional.empty());
    }

    /**
     * The same, presenting {@code identity} when the gateway asks for a client certificate during the handshake.
     */
    public TlsConnection connect(GatewayUrl url, Optional<ClientIdentity> identity) throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(url.host());
        } catch (UnknownHostException e) {
            throw new GatewayUnreachableException("cannot resolve the gateway's name " + url.host(), e);
        }
        InetSocketAddress remote = new InetSocketAddress(address, url.port());
        TcpSocket tcp;
        try {
            tcp = TcpSocket.connect(remote, connectTimeout.toMillis());
        } catch (OsException e) {
            throw new GatewayUnreachableException(
                    "cannot reach the gateway at " + remote.getAddress().getHostAddress() + ":" + url.port() + " ("
                            + url.host() + "): " + e.getMessage(),
                    e);
        }
        GatewayTrustManager trust = new GatewayTrustManager(policy.pins(), authorities);
        SSLEngine engine;
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(
                    identity.map(id -> new KeyManager[] {new ClientKeyManager(id)})
                            .orElse(null),
                    new TrustManager[] {trust},
                    null);
            engine = context.createSSLEngine(url.host(), url.port());
        } catch (GeneralSecurityException e) {
            tcp.close();
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        parameters.setCipherSuites(cipherSuites(parameters.getCipherSuites(), engine.getSupportedCipherSuites()));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (url.hasHostName()) {
            parameters.setServerNames(List.of(new SNIHostName(url.host())));
        }
        engine.setSSLParameters(parameters);
        TlsStream tls = new TlsStream(tcp, engine);
        try {
            tls.handshake(System.nanoTime() + ioTimeout.toNanos());
        } catch (SSLHandshakeException e) {
            tls.close();
            X509Certificate refused = trust.refused();
            if (refused != null) {
                PublicKeyPin pin = PublicKeyPin.of(refused);
                throw new UntrustedCertificateException(
                        "the gateway's certificate is not trusted: " + trust.refusal()
                                + ". Certificate: "
                                + refused.getSubjectX500Principal().getName() + ", issued by "
                                + refused.getIssuerX500Principal().getName() + ", public key " + pin
                                + ". If you trust this gateway, pin it with --servercert " + pin
                                + " (or give its CA with --cafile).",
                        pin,
                        e);
            }
            Optional<RefusedTlsException> offer = refusal(url, remote, e);
            if (offer.isPresent()) {
                throw offer.get();
            }
            throw new IOException(
                    "TLS handshake with the gateway " + url.authority() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            tls.close();
            // GnuTLS closes without an alert when nothing fits; a gateway that stopped answering is not asked again.
            Optional<RefusedTlsException> offer =
                    e instanceof java.net.SocketTimeoutException ? Optional.empty() : refusal(url, remote, e);
            if (offer.isPresent()) {
                throw offer.get();
            }
            throw new GatewayUnreachableException(
                    "the gateway " + url.authority() + " broke off the TLS handshake: " + e.getMessage(), e);
        }
        var session = engine.getSession();
        if (!forwardSecrecy(session.getProtocol(), session.getCipherSuite())) {
            if (pfs) { // not offered with --pfs: only a broken engine gets here
                tls.close();
                throw new IOException("the gateway " + url.authority() + " negotiated " + session.getCipherSuite()
                        + " (RSA key exchange, no forward secrecy), which --pfs refuses");
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the gateway {0} offers only RSA key exchange ({1} over {2}): this session has no "
                            + "forward secrecy (whoever gets the gateway''s private key can decrypt recorded traffic); --pfs refuses such gateways",
                    url.authority(),
                    session.getCipherSuite(),
                    session.getProtocol());
        }
        return new TlsConnection(tls, remote, ioTimeout);
    }

    /**
     * Why a handshake failed, when the cause is what the gateway offers: it is asked what it would choose if offered
     * everything, and a choice Corridor refuses (obsolete crypto; RSA key exchange under --pfs) is named.
     */
    private Optional<RefusedTlsException> refusal(GatewayUrl url, InetSocketAddress remote, IOException failure) {
        Optional<TlsOfferProbe.Choice> choice =
                TlsOfferProbe.probe(remote, url.hasHostName() ? url.host() : null, connectTimeout);
        if (choice.isEmpty()) {
            return Optional.empty();
        }
        TlsOfferProbe.Choice chosen = choice.get();
        if (chosen.obsolete()) {
            return Optional.of(new RefusedTlsException(
                    RefusedTlsException.Reason.OBSOLETE,
                    "the gateway " + url.authority()
                            + " offers only obsolete TLS: offered everything down to TLS 1.0 and 3DES, it chose "
                            + chosen
                            + "; Corridor requires TLS 1.2 or 1.3 with AES-GCM, AES-CBC or ChaCha20 ("
                            + failure.getMessage() + ")",
                    failure));
        }
        if (pfs && chosen.rsaKeyExchange()) {
            return Optional.of(new RefusedTlsException(
                    RefusedTlsException.Reason.NO_FORWARD_SECRECY,
                    "the gateway " + url.authority() + " offers only RSA key exchange (it chose " + chosen
                            + "), which has no forward secrecy: --pfs refuses it",
                    failure));
        }
        return Optional.empty();
    }

    /** The suites to offer: the JDK's defaults, then RSA key exchange unless --pfs (never with it). */
    private String[] cipherSuites(String[] enabled, String[] supported) {
        List<String> suites = new ArrayList<>();
        for (String suite : enabled) {
            if (!suite.startsWith("TLS_RSA_")) {
                suites.add(suite);
            }
        }
        if (!pfs) {
            List<String> available = List.of(supported);
            RSA_SUITES.stream().filter(available::contains).forEach(suites::add);
        }
        return suites.toArray(String[]::new);
    }

    /**
     * Whether a TLS session has forward secrecy: TLS 1.3 always; TLS 1.2 unless its key exchange is RSA
     * ({@code TLS_RSA_*}), where the server's long-term key decrypts the premaster secret.
     */
    public static boolean forwardSecrecy(String protocol, String cipherSuite) {
        return protocol == null
                || protocol.isEmpty()
                || "TLSv1.3".equals(protocol)
                || cipherSuite == null
                || !cipherSuite.startsWith("TLS_RSA_");
    }

    /**
     * Takes {@code TLS_RSA_*} out of {@code jdk.tls.disabledAlgorithms}, leaving every other entry. It takes effect only
     * before the JDK's first TLS handshake in this process (the JDK reads the property once).
     */
    static synchronized void allowRsaKeyExchange() {
        String disabled = java.security.Security.getProperty(DISABLED_ALGORITHMS);
        if (disabled == null || !disabled.contains(RSA_KEY_EXCHANGE)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String entry : disabled.split(",")) {
            if (!entry.strip().equals(RSA_KEY_EXCHANGE)) {
                kept.add(entry.strip());
            }
        }
        java.security.Security.setProperty(DISABLED_ALGORITHMS, String.join(", ", kept));
    }

    private static X509ExtendedTrustManager trustManager(KeyStore anchors) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the trust store: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadCa(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("the CA file " + file + " holds no certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
            return store;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the CA file " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "the CA file " + file + " is not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }
}
