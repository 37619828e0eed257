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
 * @param routes         networks routed through the tunnel, as installed
 * @param excludedRoutes networks routed around the tunnel, as installed
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
        Traffic traffic,
        Optional<String> lastError) {

    public TunnelStatus {
        routes = List.copyOf(routes);
        excludedRoutes = List.copyOf(excludedRoutes);
        dnsServers = List.copyOf(dnsServers);
        searchDomains = List.copyOf(searchDomains);
    }

    /** Ready means the tunnel carries traffic right now: session up and routes installed. */
    public boolean ready() {
        return state == TunnelState.CONNECTED;
    }

    /** Totals across channels. */
    public record Traffic(long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
                          long packetsDropped) {
    }
}
