package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.config.RouteOptions;
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
    private static final Optional<AssignedAddress> V4 =
            Optional.of(new AssignedAddress(Ip.parseAddress("10.99.0.50"), 24));
    private static final Optional<AssignedAddress> V6 =
            Optional.of(new AssignedAddress(Ip.parseAddress("fd99::50"), 64));

    @Test
    void splitIncludesGoThroughAndExcludesAround() throws Exception {
        TunnelRoutes routes = RoutePlanner.plan(
                        session(V4, Optional.empty(), List.of(net("10.20.0.0/16")), List.of(net("10.20.3.0/24"))),
                        RouteOptions.none(),
                        List.of())
                .routes();
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"), net("10.99.0.0/24"));
        assertThat(routes.aroundTunnel()).containsExactly(net("10.20.3.0/24"));
    }

    @Test
    void routesOfAFamilyWithoutAnAddressAreLeftOut() throws Exception {
        TunnelRoutes routes = RoutePlanner.plan(
                        session(
                                V4,
                                Optional.empty(),
                                List.of(net("10.20.0.0/16"), net("fd20::/48")),
                                List.of(net("fd20:0:0:9::/64"))),
                        RouteOptions.none(),
                        List.of())
                .routes();
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"), net("10.99.0.0/24"));
        assertThat(routes.aroundTunnel()).isEmpty();
    }

    @Test
    void noSplitIncludeMeansAllTrafficOnlyWhenAllowed() throws Exception {
        SessionConfig everything = session(V4, V6, List.of(), List.of());
        assertThatThrownBy(() -> RoutePlanner.plan(everything, RouteOptions.none(), List.of()))
                .isInstanceOfSatisfying(
                        TunnelFailure.class, e -> assertThat(e.kind()).isEqualTo(TunnelFailure.Kind.CONFIGURATION))
                .hasMessageContaining("--allow-default-route");
        TunnelRoutes routes = RoutePlanner.plan(
                        everything, new RouteOptions(List.of(), List.of(), List.of(), true, false), List.of())
                .routes();
        assertThat(routes.throughTunnel())
                .containsExactly(
                        net("0.0.0.0/1"),
                        net("128.0.0.0/1"),
                        net("::/1"),
                        net("8000::/1"),
                        net("10.99.0.0/24"),
                        net("fd99::/64"));
    }

    @Test
    void aHostAddressAddsNoPoolRoute() throws Exception {
        Optional<AssignedAddress> host = Optional.of(new AssignedAddress(Ip.parseAddress("10.99.0.50"), 32));
        TunnelRoutes routes = RoutePlanner.plan(
                        session(host, Optional.empty(), List.of(net("10.20.0.0/16")), List.of()),
                        RouteOptions.none(),
                        List.of())
                .routes();
        assertThat(routes.throughTunnel()).containsExactly(net("10.20.0.0/16"));
    }

    @Test
    void theConfigurationAddsIncludesAndExcludes() throws Exception {
        RouteOptions options = new RouteOptions(
                List.of(net("192.168.50.0/24")), List.of(net("10.20.9.0/24")), List.of(), false, false);
        TunnelRoutes routes = RoutePlanner.plan(
                        session(V4, Optional.empty(), List.of(net("10.20.0.0/16")), List.of()), options, List.of())
                .routes();
        assertThat(routes.throughTunnel())
                .containsExactly(net("10.20.0.0/16"), net("192.168.50.0/24"), net("10.99.0.0/24"));
        assertThat(routes.aroundTunnel()).containsExactly(net("10.20.9.0/24"));
    }

    @Test
    void neverRouteNetworksStayOnThePodsPathAndRoutesInsideThemAreRefused() throws Exception {
        RouteOptions cluster = new RouteOptions(
                List.of(), List.of(), List.of(net("10.96.0.0/12"), net("10.244.0.0/16")), false, false);
        RoutePlanner.Plan plan = RoutePlanner.plan(
                session(
                        V4,
                        Optional.empty(),
                        List.of(net("10.0.0.0/8"), net("10.96.5.0/24"), net("10.244.0.0/16")),
                        List.of()),
                cluster,
                List.of());
        assertThat(plan.routes().throughTunnel())
                .as("a broader include stays: the cluster routes are more specific")
                .containsExactly(net("10.0.0.0/8"));
        assertThat(plan.refused())
                .as("the gateway's pool 10.99.0.0/24 lies in the service network too")
                .containsExactly(net("10.96.5.0/24"), net("10.244.0.0/16"), net("10.99.0.0/24"));
        assertThat(plan.routes().aroundTunnel()).containsExactly(net("10.96.0.0/12"), net("10.244.0.0/16"));
    }

    @Test
    void aDefaultRouteStillLeavesTheClusterAlone() throws Exception {
        RouteOptions options = new RouteOptions(List.of(), List.of(), List.of(net("10.96.0.0/12")), true, false);
        TunnelRoutes routes = RoutePlanner.plan(session(V4, Optional.empty(), List.of(), List.of()), options, List.of())
                .routes();
        assertThat(routes.throughTunnel()).contains(net("0.0.0.0/1"), net("128.0.0.0/1"));
        assertThat(routes.aroundTunnel()).containsExactly(net("10.96.0.0/12"));
    }

    /** A split-include of 0.0.0.0/0 is all traffic too: it used to be installed as is, over the pod's own default route. */
    @Test
    void aDefaultSplitIncludeIsAllTrafficOnlyWhenAllowed() throws Exception {
        SessionConfig everything =
                session(V4, Optional.empty(), List.of(net("0.0.0.0/0"), net("10.20.0.0/16")), List.of());
        assertThatThrownBy(() -> RoutePlanner.plan(everything, RouteOptions.none(), List.of()))
                .isInstanceOfSatisfying(
                        TunnelFailure.class, e -> assertThat(e.kind()).isEqualTo(TunnelFailure.Kind.CONFIGURATION))
                .hasMessageStartingWith(
                        "the gateway sends the split-include route 0.0.0.0/0, which is all traffic, but Corridor does not "
                                + "replace the pod's default route unless allowed");
        TunnelRoutes routes = RoutePlanner.plan(
                        everything, new RouteOptions(List.of(), List.of(), List.of(), true, false), List.of())
                .routes();
        assertThat(routes.throughTunnel())
                .containsExactly(net("10.20.0.0/16"), net("0.0.0.0/1"), net("128.0.0.0/1"), net("10.99.0.0/24"));
    }

    /** Two halves (or any set of routes spanning the address space) are all traffic as much as 0.0.0.0/0 is. */
    @Test
    void splitIncludesThatTogetherCoverEverythingAreAllTrafficOnlyWhenAllowed() throws Exception {
        SessionConfig halves = session(
                V4,
                Optional.empty(),
                List.of(net("0.0.0.0/1"), net("128.0.0.0/2"), net("192.0.0.0/2"), net("10.20.0.0/16")),
                List.of());
        assertThatThrownBy(() -> RoutePlanner.plan(halves, RouteOptions.none(), List.of()))
                .isInstanceOfSatisfying(
                        TunnelFailure.class, e -> assertThat(e.kind()).isEqualTo(TunnelFailure.Kind.CONFIGURATION))
                .hasMessageStartingWith(
                        "the routes [0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/2, 10.20.0.0/16, 10.99.0.0/24] (split-includes and "
                                + "address pool) together cover all traffic, but Corridor does not replace the pod's default route unless allowed");
        assertThat(RoutePlanner.plan(halves, new RouteOptions(List.of(), List.of(), List.of(), true, false), List.of())
                        .routes()
                        .throughTunnel())
                .contains(net("0.0.0.0/1"), net("128.0.0.0/2"), net("192.0.0.0/2"));
        assertThat(RoutePlanner.coversEverything(List.of(net("0.0.0.0/1"), net("128.0.0.0/2")), 32))
                .isFalse();
        assertThat(RoutePlanner.coversEverything(List.of(net("::/1"), net("8000::/1")), 128))
                .isTrue();
    }

    /** The pool route used to be added whatever the never-route networks, and so captured part of the cluster's network. */
    @Test
    void aPoolInsideANeverRouteNetworkIsNotRouted() throws Exception {
        Optional<AssignedAddress> inCluster = Optional.of(new AssignedAddress(Ip.parseAddress("10.42.7.9"), 24));
        RouteOptions cluster = new RouteOptions(List.of(), List.of(), List.of(net("10.42.0.0/16")), false, false);
        RoutePlanner.Plan plan = RoutePlanner.plan(
                session(inCluster, Optional.empty(), List.of(net("10.20.0.0/16")), List.of()), cluster, List.of());
        assertThat(plan.routes().throughTunnel()).containsExactly(net("10.20.0.0/16"));
        assertThat(plan.refused()).containsExactly(net("10.42.7.0/24"));
        assertThat(plan.routes().aroundTunnel()).containsExactly(net("10.42.0.0/16"));
    }

    /** A netmask of 128.0.0.0 made the pool half of all traffic; with a split-include of the other half, all of it. */
    @Test
    void thePoolCountsTowardsAllTrafficAndAPoolWiderThanASlashEightIsRefused() throws Exception {
        Optional<AssignedAddress> half = Optional.of(new AssignedAddress(Ip.parseAddress("128.0.0.5"), 1));
        RoutePlanner.Plan plan = RoutePlanner.plan(
                session(half, Optional.empty(), List.of(net("0.0.0.0/1")), List.of()), RouteOptions.none(), List.of());
        assertThat(plan.refused()).containsExactly(net("128.0.0.0/1"));
        assertThat(plan.routes().throughTunnel()).containsExactly(net("0.0.0.0/1"));

        Optional<AssignedAddress> slash8 = Optional.of(new AssignedAddress(Ip.parseAddress("128.0.0.5"), 8));
        SessionConfig rest = session(
                slash8,
                Optional.empty(),
                List.of(
                        net("0.0.0.0/1"),
                        net("129.0.0.0/8"),
                        net("130.0.0.0/7"),
                        net("132.0.0.0/6"),
                        net("136.0.0.0/5"),
                        net("144.0.0.0/4"),
                        net("160.0.0.0/3"),
                        net("192.0.0.0/2")),
                List.of());
        assertThatThrownBy(() -> RoutePlanner.plan(rest, RouteOptions.none(), List.of()))
                .isInstanceOf(TunnelFailure.class)
                .hasMessageContaining("(split-includes and address pool) together cover all traffic");
    }

    /** kube-dns at 10.96.0.10 was captured by a gateway route of 10.96.0.10/32 unless the user had listed it. */
    @Test
    void clusterNetworksAreProtectedWithoutBeingListed() throws Exception {
        List<IpNetwork> cluster =
                List.of(net("10.96.0.10/32"), net("172.18.0.4/32"), net("10.244.1.0/24"), net("169.254.0.0/16"));
        RoutePlanner.Plan plan = RoutePlanner.plan(
                session(
                        V4,
                        Optional.empty(),
                        List.of(
                                net("10.96.0.10/32"),
                                net("10.0.0.0/8"),
                                net("169.254.169.254/32"),
                                net("192.168.0.0/16")),
                        List.of()),
                RouteOptions.none(),
                cluster);
        assertThat(plan.refused()).containsExactly(net("10.96.0.10/32"), net("169.254.169.254/32"));
        assertThat(plan.routes().throughTunnel())
                .containsExactly(net("10.0.0.0/8"), net("192.168.0.0/16"), net("10.99.0.0/24"));
        assertThat(plan.routes().aroundTunnel())
                .as("only those a tunnel route covers go around it")
                .containsExactly(net("10.96.0.10/32"), net("10.244.1.0/24"));
    }

    static IpNetwork net(String text) {
        return IpNetwork.parse(text);
    }

    static SessionConfig session(
            Optional<AssignedAddress> v4,
            Optional<AssignedAddress> v6,
            List<IpNetwork> includes,
            List<IpNetwork> excludes) {
        return new SessionConfig(
                v4,
                v6,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                false,
                includes,
                excludes,
                1434,
                OptionalInt.empty(),
                Duration.ofSeconds(60),
                Duration.ZERO,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "none",
                "ocserv",
                Optional.empty(),
                Optional.empty());
    }
}
