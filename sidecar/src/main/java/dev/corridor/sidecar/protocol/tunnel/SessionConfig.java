package dev.corridor.sidecar.protocol.tunnel;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything the gateway said about the session in its {@code 200 CONNECTED} reply, typed.
 *
 * @param ipv4             the tunnel's IPv4 address with the pool's prefix length ({@code X-CSTP-Address} + {@code X-CSTP-Netmask})
 * @param ipv6             the tunnel's IPv6 address ({@code X-CSTP-Address-IP6})
 * @param splitIncludes    networks to route through the tunnel; empty means the gateway wants all traffic
 * @param splitExcludes    networks to keep out of the tunnel
 * @param mtu              the tunnel MTU over CSTP ({@code X-CSTP-MTU})
 * @param baseMtu          the link MTU the gateway settled on ({@code X-CSTP-Base-MTU}), when sent
 * @param dpd              dead-peer-detection interval; zero when the gateway sent none
 * @param keepalive        keepalive interval; zero when the gateway sent none
 * @param idleTimeout      the gateway drops the session after this long without data, when it says so
 * @param sessionTimeout   time left before the gateway ends the session ({@code -Remaining}, else the timeout), when limited
 * @param rekeyInterval    when the gateway asks for rekeying, and {@code rekeyMethod} how
 * @param dtls             the DTLS data channel the gateway offers, when it offers one
 * @param banner           the message the gateway shows once the session is open ({@code X-CSTP-Banner}), printable
 */
public record SessionConfig(
        Optional<AssignedAddress> ipv4,
        Optional<AssignedAddress> ipv6,
        List<InetAddress> dnsServers,
        List<InetAddress> nbnsServers,
        List<String> searchDomains,
        List<String> splitDnsDomains,
        boolean tunnelAllDns,
        List<IpNetwork> splitIncludes,
        List<IpNetwork> splitExcludes,
        int mtu,
        OptionalInt baseMtu,
        Duration dpd,
        Duration keepalive,
        Optional<Duration> idleTimeout,
        Optional<Duration> sessionTimeout,
        Optional<Duration> rekeyInterval,
        String rekeyMethod,
        String serverName,
        Optional<DtlsParameters> dtls,
        Optional<String> banner) {

    public SessionConfig {
        dnsServers = List.copyOf(dnsServers);
        nbnsServers = List.copyOf(nbnsServers);
        searchDomains = List.copyOf(searchDomains);
        splitDnsDomains = List.copyOf(splitDnsDomains);
        splitIncludes = List.copyOf(splitIncludes);
        splitExcludes = List.copyOf(splitExcludes);
    }

    /**
     * The DTLS channel offered in the {@code X-DTLS-*} headers.
     *
     * @param appId       PSK-NEGOTIATE: the 32-byte identifier (hex) to present in the ClientHello session_id
     * @param sessionId   legacy mode: the session to resume with the client's master secret (hex)
     * @param cipherSuite the suite the gateway chose ({@code PSK-NEGOTIATE} or a legacy suite name)
     * @param mtu         {@code X-DTLS-MTU}, sent in legacy mode only
     */
    public record DtlsParameters(
            int port,
            Optional<String> appId,
            Optional<String> sessionId,
            String cipherSuite,
            OptionalInt mtu,
            Duration dpd,
            Duration keepalive,
            Optional<Duration> rekeyInterval) {}
}
