package dev.corridor.sidecar.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.testing.NetworkNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * rtnetlink against the kernel, checked with {@code ip -j}, in a namespace of its own (needs root). The namespace
 * has veth0 (10.0.0.1/24, fd00:10::1/64) paired with veth1; its "gateway" 10.0.0.2 / fd00:10::2 is merely an
 * on-link address: no packet is sent anywhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetlinkIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static NetworkNamespace namespace;
    private static Netlink netlink;
    private static int veth0;

    @BeforeAll
    static void createNamespace() throws Exception {
        namespace = NetworkNamespace.create("cort-nl");
        namespace.exec("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1");
        namespace.exec("ip", "addr", "add", "10.0.0.1/24", "dev", "veth0");
        namespace.exec("ip", "addr", "add", "fd00:10::1/64", "dev", "veth0", "nodad");
        namespace.exec("ip", "link", "set", "veth0", "up");
        namespace.exec("ip", "link", "set", "veth1", "up");
        netlink = namespace.call(Netlink::open);
        veth0 = netlink.link("veth0").orElseThrow().index();
    }

    @AfterAll
    static void deleteNamespace() {
        if (netlink != null) {
            netlink.close();
        }
        if (namespace != null) {
            namespace.close();
        }
    }

    @Test
    void looksUpLinksByNameAndIndex() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-l"))) {
            Link expected = new Link(tun.index(), "vpn-l", 1500, "tun", false);
            assertThat(netlink.link("vpn-l")).contains(expected);
            assertThat(netlink.link(tun.index())).contains(expected);
        }
        assertThat(netlink.link("veth0")).hasValueSatisfying(link -> {
            assertThat(link.index()).isEqualTo(veth0);
            assertThat(link.kind()).isEqualTo("veth");
            assertThat(link.up()).isTrue();
        });
        assertThat(netlink.link("lo"))
                .hasValueSatisfying(link -> assertThat(link.kind()).isEmpty());
        assertThat(netlink.link("vpn-l")).isEmpty();
        assertThat(netlink.link(999_999)).isEmpty();
    }

    @Test
    void setsMtuAndState() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-m"))) {
            netlink.setLink(tun.index(), 1434, true);

            JsonNode link = ipJson("link", "show", "dev", "vpn-m").get(0);
            assertThat(link.path("mtu").asInt()).isEqualTo(1434);
            assertThat(texts(link.path("flags"))).contains("UP");
            assertThat(netlink.link(tun.index()))
                    .hasValueSatisfying(l -> assertThat(l.up()).isTrue());

            netlink.setLink(tun.index(), 1400, false);

            link = ipJson("link", "show", "dev", "vpn-m").get(0);
            assertThat(link.path("mtu").asInt()).isEqualTo(1400);
            assertThat(texts(link.path("flags"))).doesNotContain("UP");
        }
    }

    @Test
    void settingAnUnacceptableMtuOrAMissingLinkFails() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-e"))) {
            assertThatThrownBy(() -> netlink.setLink(tun.index(), 20, true))
                    .isInstanceOf(OsException.class)
                    .hasMessageStartingWith("setting MTU 20 on vpn-e and bringing it up: Invalid argument (EINVAL); ")
                    .hasMessageContaining("the kernel says: ");
        }
        assertThatThrownBy(() -> netlink.setLink(999_999, 1434, true))
                .isInstanceOf(OsException.class)
                .hasMessage("setting MTU 1434 on interface 999999 and bringing it up: No such device (ENODEV)")
                .extracting(e -> ((OsException) e).errno())
                .isEqualTo(Libc.ENODEV);
    }

    @Test
    void addsIpv4AndIpv6Addresses() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-a"))) {
            netlink.setLink(tun.index(), 1434, true);
            netlink.addAddress(tun.index(), new AssignedAddress(Ip.parseAddress("10.77.0.1"), 24));
            netlink.addAddress(tun.index(), new AssignedAddress(Ip.parseAddress("fd00:77::1"), 64));

            List<JsonNode> addresses =
                    list(ipJson("addr", "show", "dev", "vpn-a").get(0).get("addr_info"));
            assertThat(addresses).anySatisfy(address -> {
                assertThat(address.path("family").asText()).isEqualTo("inet");
                assertThat(address.path("local").asText()).isEqualTo("10.77.0.1");
                assertThat(address.path("prefixlen").asInt()).isEqualTo(24);
            });
            assertThat(addresses).anySatisfy(address -> {
                assertThat(address.path("family").asText()).isEqualTo("inet6");
                assertThat(address.path("local").asText()).isEqualTo("fd00:77::1");
                assertThat(address.path("prefixlen").asInt()).isEqualTo(64);
                assertThat(address.path("nodad").asBoolean()).isTrue();
                assertThat(address.has("tentative")).isFalse();
            });
            assertThatThrownBy(() ->
                            netlink.addAddress(tun.index(), new AssignedAddress(Ip.parseAddress("10.77.0.1"), 24)))
                    .isInstanceOf(OsException.class)
                    .hasMessage(
                            "adding address 10.77.0.1/24 to vpn-a: File exists (EEXIST); "
                                    + "the kernel says: ipv4: Address already assigned; the interface already has that address");
        }
    }

    @Test
    void addsLooksUpListsAndDeletesRoutes() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-r"))) {
            int vpn = tun.index();
            netlink.setLink(vpn, 1434, true);
            netlink.addAddress(vpn, new AssignedAddress(Ip.parseAddress("10.77.0.1"), 24));
            netlink.addAddress(vpn, new AssignedAddress(Ip.parseAddress("fd00:77::1"), 64));
            List<Route> ipv4 = List.of(
                    Route.viaInterface(net("10.30.0.0/16"), vpn, Ip.parseAddress("10.77.0.1")),
                    Route.viaGateway(net("10.20.0.0/16"), Ip.parseAddress("10.0.0.2"), veth0),
                    Route.dropping(net("10.40.0.0/16"), RouteType.BLACKHOLE, 0),
                    Route.dropping(net("10.50.0.0/16"), RouteType.UNREACHABLE, 0));
            List<Route> ipv6 = List.of(
                    Route.viaInterface(net("fd00:30::/48"), vpn),
                    Route.viaGateway(net("fd00:20::/48"), Ip.parseAddress("fd00:10::2"), veth0));
            for (Route route : ipv4) {
                netlink.addRoute(route);
            }
            for (Route route : ipv6) {
                netlink.addRoute(route);
            }

            // What ip sees
            List<JsonNode> shown = list(ipJson("route", "show"));
            assertThat(shown).anySatisfy(route -> {
                assertThat(route.path("dst").asText()).isEqualTo("10.30.0.0/16");
                assertThat(route.path("dev").asText()).isEqualTo("vpn-r");
                assertThat(route.path("scope").asText()).isEqualTo("link");
                assertThat(route.path("prefsrc").asText()).isEqualTo("10.77.0.1");
                assertThat(route.path("protocol").asText()).isEqualTo("151");
            });
            assertThat(shown).anySatisfy(route -> {
                assertThat(route.path("dst").asText()).isEqualTo("10.20.0.0/16");
                assertThat(route.path("gateway").asText()).isEqualTo("10.0.0.2");
                assertThat(route.path("dev").asText()).isEqualTo("veth0");
                assertThat(route.has("scope")).as("universe scope is not shown").isFalse();
                assertThat(route.path("protocol").asText()).isEqualTo("151");
            });
            assertThat(shown).anySatisfy(route -> {
                assertThat(route.path("type").asText()).isEqualTo("blackhole");
                assertThat(route.path("dst").asText()).isEqualTo("10.40.0.0/16");
            });
            assertThat(shown).anySatisfy(route -> {
                assertThat(route.path("type").asText()).isEqualTo("unreachable");
                assertThat(route.path("dst").asText()).isEqualTo("10.50.0.0/16");
            });
            List<JsonNode> shown6 = list(ipJson("-6", "route", "show"));
            assertThat(shown6).anySatisfy(route -> {
                assertThat(route.path("dst").asText()).isEqualTo("fd00:20::/48");
                assertThat(route.path("gateway").asText()).isEqualTo("fd00:10::2");
                assertThat(route.path("dev").asText()).isEqualTo("veth0");
                assertThat(route.path("protocol").asText()).isEqualTo("151");
            });
            assertThat(shown6).anySatisfy(route -> {
                assertThat(route.path("dst").asText()).isEqualTo("fd00:30::/48");
                assertThat(route.path("dev").asText()).isEqualTo("vpn-r");
            });

            // What the dump gives back: the same routes, and the kernel's own ones
            assertThat(netlink.routes(Netlink.AF_INET))
                    .containsAll(ipv4)
                    .contains(new Route(
                            net("10.0.0.0/24"),
                            Optional.empty(),
                            veth0,
                            Optional.of(Ip.parseAddress("10.0.0.1")),
                            RouteType.UNICAST,
                            2,
                            Route.TABLE_MAIN,
                            0))
                    .allSatisfy(route -> assertThat(route.table()).isEqualTo(Route.TABLE_MAIN));
            // The kernel gives IPv6 routes added without a metric its default, 1024.
            assertThat(netlink.routes(Netlink.AF_INET6))
                    .containsAll(ipv6.stream()
                            .map(route -> new Route(
                                    route.destination(),
                                    route.gateway(),
                                    route.outputInterface(),
                                    route.preferredSource(),
                                    route.type(),
                                    route.protocol(),
                                    route.table(),
                                    1024))
                            .toList())
                    .allSatisfy(
                            route -> assertThat(route.destination().isIpv4()).isFalse());

            // What the kernel would use
            assertThat(netlink.lookup(Ip.parseAddress("10.20.1.10")))
                    .isEqualTo(new Route(
                            net("10.20.1.10/32"),
                            Optional.of(Ip.parseAddress("10.0.0.2")),
                            veth0,
                            Optional.of(Ip.parseAddress("10.0.0.1")),
                            RouteType.UNICAST,
                            0,
                            Route.TABLE_MAIN,
                            0));
            assertThat(netlink.lookup(Ip.parseAddress("10.30.1.1"))).satisfies(route -> {
                assertThat(route.gateway()).isEmpty();
                assertThat(route.outputInterface()).isEqualTo(vpn);
                assertThat(route.preferredSource()).contains(Ip.parseAddress("10.77.0.1"));
            });
            assertThat(netlink.lookup(Ip.parseAddress("fd00:20::5"))).satisfies(route -> {
                assertThat(route.gateway()).contains(Ip.parseAddress("fd00:10::2"));
                assertThat(route.outputInterface()).isEqualTo(veth0);
            });

            // A duplicate is refused, not replaced
            assertThatThrownBy(() ->
                            netlink.addRoute(Route.viaGateway(net("10.20.0.0/16"), Ip.parseAddress("10.0.0.3"), veth0)))
                    .isInstanceOf(OsException.class)
                    .hasMessage("adding route 10.20.0.0/16 via 10.0.0.3 on veth0: File exists (EEXIST); "
                            + "the table already has a route to 10.20.0.0/16")
                    .extracting(e -> ((OsException) e).errno())
                    .isEqualTo(Libc.EEXIST);

            // Clean up as a restarted sidecar would: find Corridor's routes by their protocol
            List<Route> leftovers = new ArrayList<>(netlink.routes(Netlink.AF_INET));
            leftovers.addAll(netlink.routes(Netlink.AF_INET6));
            leftovers.removeIf(route -> route.protocol() != Route.PROTOCOL_CORRIDOR);
            assertThat(leftovers).hasSize(6);
            for (Route route : leftovers) {
                netlink.deleteRoute(route);
            }
            assertThat(list(ipJson("route", "show")))
                    .noneSatisfy(
                            route -> assertThat(route.path("protocol").asText()).isEqualTo("151"));
            assertThat(list(ipJson("-6", "route", "show")))
                    .noneSatisfy(
                            route -> assertThat(route.path("protocol").asText()).isEqualTo("151"));
            assertThat(netlink.routes(Netlink.AF_INET))
                    .contains(new Route(
                            net("10.77.0.0/24"),
                            Optional.empty(),
                            vpn,
                            Optional.of(Ip.parseAddress("10.77.0.1")),
                            RouteType.UNICAST,
                            2,
                            Route.TABLE_MAIN,
                            0));

            // Deleting what is not there is reported
            assertThatThrownBy(() -> netlink.deleteRoute(ipv4.get(1)))
                    .isInstanceOf(OsException.class)
                    .hasMessage(
                            "deleting route 10.20.0.0/16 via 10.0.0.2 on veth0: No such process (ESRCH); there is no such route");
            assertThatThrownBy(() -> netlink.deleteRoute(ipv6.get(0)))
                    .isInstanceOf(OsException.class)
                    .hasMessage(
                            "deleting route fd00:30:0:0:0:0:0:0/48 via vpn-r: No such process (ESRCH); there is no such route");
        }
    }

    @Test
    void gatewayThatIsNotOnLinkIsExplainedByTheKernel() {
        assertThatThrownBy(() ->
                        netlink.addRoute(Route.viaGateway(net("10.60.0.0/16"), Ip.parseAddress("192.0.2.1"), veth0)))
                .isInstanceOf(OsException.class)
                .hasMessage("adding route 10.60.0.0/16 via 192.0.2.1 on veth0: Network is unreachable (ENETUNREACH); "
                        + "the kernel says: Nexthop has invalid gateway; "
                        + "the gateway is not on a network the output interface reaches directly");
    }

    @Test
    void lookupWithoutAMatchingRoute() {
        assertThatThrownBy(() -> netlink.lookup(Ip.parseAddress("192.0.2.1")))
                .isInstanceOf(OsException.class)
                .hasMessage(
                        "looking up the route to 192.0.2.1: Network is unreachable (ENETUNREACH); no route matches it")
                .extracting(e -> ((OsException) e).errno())
                .isEqualTo(Libc.ENETUNREACH);
    }

    @Test
    void deletesALink() throws Exception {
        try (TunDevice tun = namespace.call(() -> TunDevice.create("vpn-d"))) {
            netlink.deleteLink(tun.index());

            assertThat(netlink.link("vpn-d")).isEmpty();
            assertThat(list(ipJson("link", "show")))
                    .noneSatisfy(
                            link -> assertThat(link.path("ifname").asText()).isEqualTo("vpn-d"));
            assertThatThrownBy(() -> netlink.deleteLink(tun.index()))
                    .isInstanceOf(OsException.class)
                    .hasMessage("deleting interface " + tun.index() + ": No such device (ENODEV)");
        }
    }

    @Test
    void socketIsUsableFromAnyThreadAndRefusesWorkOnceClosed() throws Exception {
        Netlink other = namespace.call(Netlink::open);
        assertThat(other.link("veth0")).isPresent(); // this test thread is in the root namespace: the socket is not
        other.close();
        other.close();

        assertThatThrownBy(() -> other.link("lo"))
                .isInstanceOf(OsException.class)
                .hasMessage("looking up interface 'lo': the netlink socket is closed");
    }

    private static IpNetwork net(String text) {
        return IpNetwork.parse(text);
    }

    private static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    private static List<String> texts(JsonNode array) {
        return list(array).stream().map(JsonNode::asText).toList();
    }

    private static JsonNode ipJson(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "-j"));
        command.addAll(List.of(arguments));
        return JSON.readTree(namespace.exec(command.toArray(String[]::new)));
    }
}
