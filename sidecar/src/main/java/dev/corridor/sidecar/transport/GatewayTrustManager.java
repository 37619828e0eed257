package dev.corridor.sidecar.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides on the gateway's certificate per {@link TrustPolicy} and remembers a refusal, so the connection can
 * report the refused certificate's pin. One instance serves one connection.
 */
final class GatewayTrustManager extends X509ExtendedTrustManager {
    private final List<PublicKeyPin> pins;
    private final List<Authority> authorities;
    private volatile X509Certificate refused;
    private volatile String refusal;

    /** A set of CAs that validates the chain and the host name, as {@link X509ExtendedTrustManager} does on an engine. */
    @FunctionalInterface
    interface Authority {
        void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException;
    }

    /**
     * @param authorities asked in order until one accepts the certificate; when none does, the refusal gives the
     *                    first one's reason
     */
    GatewayTrustManager(List<PublicKeyPin> pins, List<Authority> authorities) {
        this.pins = List.copyOf(pins);
        this.authorities = List.copyOf(authorities);
    }

    /** The JDK's TLS engine calls this one: the engine carries the host name the CA-based check verifies. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw refuse(null, "the gateway presented no certificate");
        }
        if (pins.contains(PublicKeyPin.of(chain[0]))) {
            return;
        }
        CertificateException first = null;
        for (Authority authority : authorities) {
            try {
                authority.checkServerTrusted(chain, authType, engine);
                return;
            } catch (CertificateException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        String reason = first != null ? first.getMessage() : "it matches none of the pinned keys";
        throw refuse(chain[0], reason);
    }

    private CertificateException refuse(X509Certificate certificate, String reason) {
        refused = certificate;
        refusal = reason;
        return new CertificateException("gateway certificate refused: " + reason);
    }

    /** The certificate refused during the handshake, or null. */
    X509Certificate refused() {
        return refused;
    }

    String refusal() {
        return refusal;
    }

    /** Only the engine variant can check the host name, and Corridor's connections are engines. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the gateway's certificate must be checked on a TLS engine");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the gateway's certificate must be checked on a TLS engine");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a VPN client does not accept client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a VPN client does not accept client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a VPN client does not accept client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
