package dev.corridor.sidecar.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.net.IpNetwork;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsRoutesTest {
    private final DnsRoutes routes = new DnsRoutes(
            List.of("corp.example.com", "Internal.Example.ORG."),
            List.of(IpNetwork.parse("10.20.0.0/16"), IpNetwork.parse("fd00:20::/32")),
            "cluster.local",
            false);

    @Test
    void corporateDomainsGoThroughTheTunnelAndTheRestUpstream() {
        assertThat(routes.route("db.corp.example.com")).isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("corp.example.com.")).isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("DB.INTERNAL.example.org")).isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("notcorp.example.com"))
                .as("a suffix is not a subdomain")
                .isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("www.example.com")).isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("kubernetes.default.svc.cluster.local")).isEqualTo(DnsRoutes.Route.UPSTREAM);
    }

    @Test
    void reverseNamesOfTheTunnelsNetworksAreCorporate() {
        assertThat(routes.route("10.1.20.10.in-addr.arpa")).isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("20.10.in-addr.arpa"))
                .as("the network's own zone")
                .isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("10.in-addr.arpa")).as("wider than the network").isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("10.0.96.10.in-addr.arpa")).as("kube-dns").isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.0.d.f.ip6.arpa"))
                .isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(routes.route("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.2.0.0.0.0.d.f.ip6.arpa"))
                .isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("300.20.10.in-addr.arpa")).as("not an address").isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(routes.route("01.20.10.in-addr.arpa"))
                .as("not how reverse names are written")
                .isEqualTo(DnsRoutes.Route.UPSTREAM);
    }

    @Test
    void allThroughTheTunnelStillLeavesTheClusterItsOwnDomain() {
        DnsRoutes all = new DnsRoutes(List.of(), List.of(), "cluster.local", true);
        assertThat(all.route("www.example.com")).isEqualTo(DnsRoutes.Route.TUNNEL);
        assertThat(all.route("my-svc.my-ns.svc.cluster.local")).isEqualTo(DnsRoutes.Route.UPSTREAM);
        assertThat(new DnsRoutes(List.of("corp.test"), List.of(), "corp.test", false).route("db.corp.test"))
                .as("a corporate domain named as the cluster's stays the cluster's")
                .isEqualTo(DnsRoutes.Route.UPSTREAM);
    }
}
