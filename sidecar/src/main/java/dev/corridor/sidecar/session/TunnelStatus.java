package dev.corridor.sidecar.session;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of the tunnel for {@code /status} and {@code /readyz}.
 *
 * @param transport      the channel data goes over now: {@code dtls} or {@code cstp}
 * @param routes         networks routed through the tunnel, as installed
 * @param excludedRoutes networks routed around the tunnel, as installed
 * @param mtu            the tun device's MTU
 * @param sessionExpires when the gateway will end the session, where it announced a limit
 * @param idleExpires    when the gateway will end the session for lack of data, where it announced an idle timeout
 * @param login          what the last login showed and presented
 * @param recovery       while the tunnel is re-establishing a lost session: why, and how far it got
 * @param lastError      why the tunnel is not up, when it is not
 */
public record TunnelStatus(
        TunnelState state,
        String transport,
        String server,
        Optional<AssignedAddress> ipv4,
        Optional<AssignedAddress> ipv6,
        List<IpNetwork> routes,
        List<IpNetwork> excludedRoutes,
        List<InetAddress> dnsServers,
        List<String> searchDomains,
        int mtu,
        Optional<Instant> connectedSince,
        Optional<Instant> sessionExpires,
        Optional<Instant> idleExpires,
        Optional<Duration> dpdRoundTrip,
        String tlsProtocol,
        String tlsCipherSuite,
        Dtls dtls,
        Login login,
        Traffic traffic,
        Optional<Recovery> recovery,
        Optional<String> lastError) {

    public TunnelStatus {
        routes = List.copyOf(routes);
        excludedRoutes = List.copyOf(excludedRoutes);
        dnsServers = List.copyOf(dnsServers);
        searchDomains = List.copyOf(searchDomains);
    }

    /** This snapshot with the parts that change while a session runs. */
    TunnelStatus withLive(String transport, Dtls dtls, Optional<Instant> idleExpires, Optional<Duration> dpdRoundTrip, Traffic traffic) {
        return new TunnelStatus(state, transport, server, ipv4, ipv6, routes, excludedRoutes, dnsServers, searchDomains, mtu,
                connectedSince, sessionExpires, idleExpires, dpdRoundTrip, tlsProtocol, tlsCipherSuite, dtls, login, traffic, recovery, lastError);
    }

    /** This snapshot in another state, with an error to report. */
    TunnelStatus withError(TunnelState newState, String error) {
        return new TunnelStatus(newState, transport, server, ipv4, ipv6, routes, excludedRoutes, dnsServers, searchDomains, mtu,
                connectedSince, sessionExpires, idleExpires, dpdRoundTrip, tlsProtocol, tlsCipherSuite, dtls, login, traffic, recovery,
                Optional.of(error));
    }

    /** Ready means the tunnel carries traffic right now: session up and routes installed. */
    public boolean ready() {
        return state == TunnelState.CONNECTED;
    }

    /**
     * What the last login showed and presented.
     *
     * @param bannerBeforeLogin  the gateway's banner on its login form (a pre-login notice)
     * @param banner             the gateway's banner once logged in ({@code X-CSTP-Banner}, or the success reply's)
     * @param certificateExpires when the client certificate the login presented stops being valid
     */
    public record Login(Optional<String> bannerBeforeLogin, Optional<String> banner, Optional<Instant> certificateExpires) {
        public static final Login NONE = new Login(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A lost session being re-established.
     *
     * @param reason   why the session ended
     * @param attempts attempts to re-establish it so far, the one under way included
     * @param since    when it was lost
     */
    public record Recovery(String reason, int attempts, Instant since) {
    }

    /**
     * The DTLS channel.
     *
     * @param state       {@code up}, {@code connecting}, {@code down} (CSTP carries the data; DTLS is retried),
     *                    {@code disabled} or {@code unavailable}
     * @param mode        {@code psk} or {@code legacy}, once known
     * @param cipherSuite the negotiated suite while up, by its OpenConnect name ({@code AES256-SHA},
     *                    {@code ECDHE-RSA-AES256-GCM-SHA384}, {@code PSK-NEGOTIATE}...)
     * @param detail      why DTLS is not up, when it is not
     * @param protocol    the DTLS version while up: {@code DTLS0.9} or {@code DTLSv1.2}
     */
    public record Dtls(String state, String mode, String cipherSuite, String detail, String protocol) {
        static final Dtls NONE = new Dtls("unavailable", "", "", "no session");

        public Dtls(String state, String mode, String cipherSuite, String detail) {
            this(state, mode, cipherSuite, detail, "");
        }
    }

    /**
     * Whether the TLS channel has forward secrecy: TLS 1.3 always has it; TLS 1.2 has it unless the key exchange is
     * RSA ({@code TLS_RSA_*}, which older ASAs offer alone), whose recorded traffic the server's key opens later.
     */
    public boolean tlsForwardSecrecy() {
        return dev.corridor.sidecar.transport.TlsConnector.forwardSecrecy(tlsProtocol, tlsCipherSuite);
    }

    /** Traffic on one channel; {@code dropped} has every reason, counting zero where nothing was dropped. */
    public record ChannelTraffic(long bytesSent, long bytesReceived, long packetsSent, long packetsReceived, Map<DropReason, Long> dropped) {
        public ChannelTraffic {
            dropped = Collections.unmodifiableMap(new EnumMap<>(dropped));
        }

        static ChannelTraffic of(ChannelCounters counters) {
            Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
            for (DropReason reason : DropReason.values()) {
                dropped.put(reason, counters.dropped(reason));
            }
            return new ChannelTraffic(counters.bytesSent.get(), counters.bytesReceived.get(), counters.packetsSent.get(),
                    counters.packetsReceived.get(), dropped);
        }

        public long packetsDropped() {
            return dropped.values().stream().mapToLong(Long::longValue).sum();
        }

        ChannelTraffic plus(ChannelTraffic other) {
            Map<DropReason, Long> sum = new EnumMap<>(dropped);
            other.dropped.forEach((reason, count) -> sum.merge(reason, count, Long::sum));
            return new ChannelTraffic(bytesSent + other.bytesSent, bytesReceived + other.bytesReceived, packetsSent + other.packetsSent,
                    packetsReceived + other.packetsReceived, sum);
        }
    }

    /**
     * Traffic per channel.
     *
     * @param oversizeOverCstp packets sent over CSTP because they did not fit a DTLS record
     * @param droppedWhileDown packets the pod sent into the tunnel while no session ran: dropped, never sent around it
     */
    public record Traffic(ChannelTraffic cstp, ChannelTraffic dtls, long oversizeOverCstp, long droppedWhileDown) {
        public ChannelTraffic total() {
            return cstp.plus(dtls);
        }
    }
}
