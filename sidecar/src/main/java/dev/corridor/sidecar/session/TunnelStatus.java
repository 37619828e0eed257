package dev.corridor.sidecar.session;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the tunnel for {@code /status} and {@code /readyz}.
 *
 * @param transport      the channel data goes over now: {@code dtls} or {@code cstp}
 * @param routes         networks routed through the tunnel, as installed
 * @param excludedRoutes networks routed around the tunnel, as installed
 * @param mtu            the tun device's MTU
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
        Optional<Duration> dpdRoundTrip,
        String tlsProtocol,
        String tlsCipherSuite,
        Dtls dtls,
        Traffic traffic,
        Optional<String> lastError) {

    public TunnelStatus {
        routes = List.copyOf(routes);
        excludedRoutes = List.copyOf(excludedRoutes);
        dnsServers = List.copyOf(dnsServers);
        searchDomains = List.copyOf(searchDomains);
    }

    /** This snapshot with the parts that change while a session runs. */
    TunnelStatus withLive(String transport, Dtls dtls, Optional<Duration> dpdRoundTrip, Traffic traffic) {
        return new TunnelStatus(state, transport, server, ipv4, ipv6, routes, excludedRoutes, dnsServers, searchDomains, mtu,
                connectedSince, dpdRoundTrip, tlsProtocol, tlsCipherSuite, dtls, traffic, lastError);
    }

    /** Ready means the tunnel carries traffic right now: session up and routes installed. */
    public boolean ready() {
        return state == TunnelState.CONNECTED;
    }

    /**
     * The DTLS channel.
     *
     * @param state       {@code up}, {@code connecting}, {@code down} (CSTP carries the data; DTLS is retried),
     *                    {@code disabled} or {@code unavailable}
     * @param mode        {@code psk} or {@code legacy}, once known
     * @param cipherSuite the negotiated suite while up
     * @param detail      why DTLS is not up, when it is not
     */
    public record Dtls(String state, String mode, String cipherSuite, String detail) {
        static final Dtls NONE = new Dtls("unavailable", "", "", "no session");
    }

    /** Traffic on one channel. */
    public record ChannelTraffic(long bytesSent, long bytesReceived, long packetsSent, long packetsReceived, long packetsDropped) {
        static ChannelTraffic of(ChannelCounters counters) {
            long dropped = 0;
            for (DropReason reason : DropReason.values()) {
                dropped += counters.dropped(reason);
            }
            return new ChannelTraffic(counters.bytesSent.get(), counters.bytesReceived.get(), counters.packetsSent.get(),
                    counters.packetsReceived.get(), dropped);
        }

        ChannelTraffic plus(ChannelTraffic other) {
            return new ChannelTraffic(bytesSent + other.bytesSent, bytesReceived + other.bytesReceived, packetsSent + other.packetsSent,
                    packetsReceived + other.packetsReceived, packetsDropped + other.packetsDropped);
        }
    }

    /**
     * Traffic per channel.
     *
     * @param oversizeOverCstp packets sent over CSTP because they did not fit a DTLS record
     */
    public record Traffic(ChannelTraffic cstp, ChannelTraffic dtls, long oversizeOverCstp) {
        public ChannelTraffic total() {
            return cstp.plus(dtls);
        }
    }
}
