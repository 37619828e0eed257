package dev.corridor.sidecar.config;

import dev.corridor.sidecar.protocol.auth.ClientProfile;
import dev.corridor.sidecar.protocol.auth.FormEntry;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.transport.GatewayUrl;
import dev.corridor.sidecar.transport.PublicKeyPin;
import dev.corridor.sidecar.transport.TrustPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The validated client configuration, from the command line and the {@code --config} file.
 *
 * @param passwordOnStdin passwords are read from standard input, one line per password the gateway asks for
 * @param formEntries     answers to named fields of named forms ({@code -F})
 * @param token           the soft token whose codes answer second-factor prompts
 * @param certificate     the client certificate the TLS connection presents when the gateway asks for one
 * @param userCertificate the user certificate of ASA multiple-certificate authentication ({@code --mca-certificate})
 * @param cookieFile      a session cookie obtained elsewhere (an SSO login), read instead of logging in
 * @param cookieOnStdin   the same, read once from standard input
 * @param profile         the User-Agent and platform Corridor presents
 * @param baseMtu         the MTU of the link to the gateway; empty to take it from the route to the gateway
 * @param statusTokenFile where the token is that callers other than loopback must present to read {@code /status}
 * @param dns             the DNS forwarder, when one is to run
 * @param routes          what the configuration adds to the gateway's routes
 * @param failClosed      the dropping routes for the tunnel's networks outlive the process (a pod: nothing leaves in clear
 *                        while the sidecar restarts); otherwise an exit removes them with everything else
 * @param dtlsCiphers     what {@code X-DTLS-CipherSuite} offers ({@code --dtls-ciphers}); empty leaves the header out
 * @param dtls12Ciphers   what {@code X-DTLS12-CipherSuite} offers ({@code --dtls12-ciphers}); empty leaves the header out
 * @param pfs             refuse a gateway whose TLS key exchange has no forward secrecy (RSA key exchange)
 * @param egress          the listeners that carry other pods' connections into the tunnel
 */
public record ClientConfig(
        GatewayUrl gateway,
        Optional<String> user,
        Optional<Path> userFile,
        Optional<Path> passwordFile,
        boolean passwordOnStdin,
        List<PublicKeyPin> serverCerts,
        Optional<Path> caFile,
        Optional<String> authGroup,
        List<FormEntry> formEntries,
        Optional<TokenConfig> token,
        Optional<CertificateFiles> certificate,
        Optional<CertificateFiles> userCertificate,
        Optional<Path> cookieFile,
        boolean cookieOnStdin,
        ClientProfile profile,
        String interfaceName,
        boolean dtls,
        OptionalInt baseMtu,
        InetSocketAddress httpAddress,
        Optional<Path> statusTokenFile,
        Optional<DnsConfig> dns,
        RouteOptions routes,
        boolean failClosed,
        ReconnectPolicy reconnect,
        LogLevel logLevel,
        List<DtlsCipher> dtlsCiphers,
        List<DtlsCipher> dtls12Ciphers,
        boolean pfs,
        EgressConfig egress) {

    public static final String DEFAULT_INTERFACE = "vpn0";
    public static final int DEFAULT_HTTP_PORT = 9478;

    public ClientConfig {
        serverCerts = List.copyOf(serverCerts);
        formEntries = List.copyOf(formEntries);
        dtlsCiphers = List.copyOf(dtlsCiphers);
        dtls12Ciphers = List.copyOf(dtls12Ciphers);
    }

    public TrustPolicy trustPolicy() {
        return new TrustPolicy(serverCerts, caFile);
    }

    public enum LogLevel {
        ERROR,
        WARN,
        INFO,
        DEBUG
    }
}
