package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.os.TunnelRoutes;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RoutePlannerTest {
    private static final Optional<AssignedAddress> V4 = Optional.of(new AssignedAddress(Ip.parseAddress("10.99.0.50"), 24));
    private static final Optional<AssignedAddress> V6 = Optional.of(new AssignedAddress(Ip.parseAddress("fd99::50"), 64));

    @Test
    void splitIncludesGoThroughAndExcludesAround() throws Exception {
        TunnelRoutes routes = RoutePlanner.plan(session(V4, Optional.empty(),
                List.of(net("10.20.0.0/16")), List.of(net("10.20.3.0/24"))), false);
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"), net("10.99.0.0/24"));
        assertThat(routes.aroundTunnel()).containsExactly(net("10.20.3.0/24"));
    }

    @Test
    void routesOfAFamilyWithoutAnAddressAreLeftOut() throws Exception {
        TunnelRoutes routes = RoutePlanner.plan(session(V4, Optional.empty(),
                List.of(net("10.20.0.0/16"), net("fd20::/48")), List.of(net("fd20:0:0:9::/64"))), false);
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"), net("10.99.0.0/24"));
        assertThat(routes.aroundTunnel()).isEmpty();
    }

    @Test
    void noSplitIncludeMeansAllTrafficOnlyWhenAllowed() throws Exception {
        SessionConfig everything = session(V4, V6, List.of(), List.of());
        assertThatThrownBy(() -> RoutePlanner.plan(everything, false))
                .isInstanceOfSatisfying(TunnelFailure.class, e -> assertThat(e.kind()).isEqualTo(TunnelFailure.Kind.CONFIGURATION))
                .hasMessageContaining("--allow-default-route");
        TunnelRoutes routes = RoutePlanner.plan(everything, true);
        assertThat(routes.throughTunnel()).containsExactly(net("0.0.0.0/1"), net("128.0.0.0/1"), net("::/1"), net("8000::/1"),
                net("10.99.0.0/24"), net("fd99::/64"));
    }

    @Test
    void aHostAddressAddsNoPoolRoute() throws Exception {
        Optional<AssignedAddress> host = Optional.of(new AssignedAddress(Ip.parseAddress("10.99.0.50"), 32));
        TunnelRoutes routes = RoutePlanner.plan(session(host, Optional.empty(), List.of(net("10.20.0.0/16")), List.of()), false);
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"));
    }

    static IpNetwork net(String text) {
        return IpNetwork.parse(text);
    }

    static SessionConfig session(Optional<AssignedAddress> v4, Optional<AssignedAddress> v6, List<IpNetwork> includes,
                                 List<IpNetwork> excludes) {
        return new SessionConfig(v4, v6, List.of(), List.of(), List.of(), List.of(), false, includes, excludes, 1434,
                OptionalInt.empty(), Duration.ofSeconds(60), Duration.ZERO, Optional.empty(), Optional.empty(), Optional.empty(),
                "none", "ocserv", Optional.empty());
    }
}
