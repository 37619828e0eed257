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
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Opens TLS connections to the gateway with the configured trust, SNI and timeouts. */
public final class TlsConnector {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final TrustPolicy policy;
    private final List<X509ExtendedTrustManager> authorities;
    private final Duration connectTimeout;
    private final Duration ioTimeout;

    /**
     * @param ioTimeout how long a login or CONNECT reply may take; a gateway that stops answering mid-reply is
     *                  given up on after this, never waited for forever
     * @throws IllegalArgumentException when the CA file cannot be read, naming the file and why
     */
    public TlsConnector(TrustPolicy policy, Duration connectTimeout, Duration ioTimeout) {
        this.policy = policy;
        this.connectTimeout = connectTimeout;
        this.ioTimeout = ioTimeout;
        List<X509ExtendedTrustManager> managers = new ArrayList<>();
        if (policy.pins().isEmpty()) {
            managers.add(trustManager(null));
        }
        policy.caFile().ifPresent(file -> managers.add(trustManager(loadCa(file))));
        this.authorities = List.copyOf(managers);
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
            throw new GatewayUnreachableException("cannot reach the gateway at " + remote.getAddress().getHostAddress()
                    + ":" + url.port() + " (" + url.host() + "): " + e.getMessage(), e);
        }
        GatewayTrustManager trust = new GatewayTrustManager(policy.pins(), authorities);
        SSLEngine engine;
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(identity.map(id -> new KeyManager[] {new ClientKeyManager(id)}).orElse(null), new TrustManager[] {trust}, null);
            engine = context.createSSLEngine(url.host(), url.port());
        } catch (GeneralSecurityException e) {
            tcp.close();
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS);
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
                throw new UntrustedCertificateException("the gateway's certificate is not trusted: " + trust.refusal()
                        + ". Certificate: " + refused.getSubjectX500Principal().getName() + ", issued by "
                        + refused.getIssuerX500Principal().getName() + ", public key " + pin
                        + ". If you trust this gateway, pin it with --servercert " + pin
                        + " (or give its CA with --cafile).", pin, e);
            }
            throw new IOException("TLS handshake with the gateway " + url.authority() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            tls.close();
            throw new GatewayUnreachableException("the gateway " + url.authority() + " broke off the TLS handshake: "
                    + e.getMessage(), e);
        }
        return new TlsConnection(tls, remote, ioTimeout);
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
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
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
            throw new IllegalArgumentException("the CA file " + file + " is not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }
}
