package dev.corridor.sidecar.config;

import dev.corridor.sidecar.net.HostPort;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The egress listeners ({@code --forward}, {@code --socks-listen}, {@code --http-proxy-listen}) that carry other
 * pods' connections into the tunnel, and who may use them.
 *
 * @param allowedSources the networks clients may connect from; empty for loopback only
 */
public record EgressConfig(
        List<Forward> forwards,
        Optional<InetSocketAddress> socks5,
        Optional<InetSocketAddress> httpProxy,
        List<IpNetwork> allowedSources) {

    /** A TCP port forward: connections to {@code listen} go to {@code target} (a name resolved through the tunnel's DNS). */
    public record Forward(InetSocketAddress listen, HostPort target) {}

    public EgressConfig {
        forwards = List.copyOf(forwards);
        allowedSources = List.copyOf(allowedSources);
    }

    public static EgressConfig none() {
        return new EgressConfig(List.of(), Optional.empty(), Optional.empty(), List.of());
    }

    /** Where the listeners listen: the forwards', then the SOCKS5 proxy's, then the HTTP proxy's. */
    public List<InetSocketAddress> listenAddresses() {
        List<InetSocketAddress> addresses =
                new ArrayList<>(forwards.stream().map(Forward::listen).toList());
        socks5.ifPresent(addresses::add);
        httpProxy.ifPresent(addresses::add);
        return List.copyOf(addresses);
    }

    /** Whether any listener is configured. */
    public boolean enabled() {
        return !forwards.isEmpty() || socks5.isPresent() || httpProxy.isPresent();
    }
}
