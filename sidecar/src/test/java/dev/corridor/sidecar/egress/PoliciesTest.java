package dev.corridor.sidecar.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may use the egress listeners, and where they may go. */
class PoliciesTest {
    private static final DestinationPolicy LAB = new DestinationPolicy(
            List.of(IpNetwork.parse("10.20.0.0/16"), IpNetwork.parse("10.20.1.53/32"), IpNetwork.parse("fd00:20::/64")),
            List.of(IpNetwork.parse("10.20.3.0/24"), IpNetwork.parse("10.20.3.128/32")));

    @Test
    void destinationsInsideTheTunnelsRoutesAreAllowed() {
        assertThat(LAB.allows(ip("10.20.1.10"))).isTrue();
        assertThat(LAB.allows(ip("10.20.1.53"))).isTrue();
        assertThat(LAB.allows(ip("fd00:20::10"))).isTrue();
        assertThat(LAB.allows(ip("::ffff:10.20.2.10")))
                .as("an IPv4-mapped address is its IPv4 address")
                .isTrue();
    }

    @Test
    void everythingElseIsRefusedAsTheKernelWouldRouteItAroundTheTunnel() {
        assertThat(LAB.allows(ip("10.21.0.1"))).as("outside every route").isFalse();
        assertThat(LAB.allows(ip("10.20.3.10")))
                .as("a split-exclude inside the tunnel's network")
                .isFalse();
        assertThat(LAB.allows(ip("10.20.3.128"))).isFalse();
        assertThat(LAB.allows(ip("fd00:21::1"))).isFalse();
        assertThat(LAB.allows(ip("127.0.0.1"))).isFalse();
        assertThat(new DestinationPolicy(List.of(), List.of()).allows(ip("10.20.1.10")))
                .as("no session, no routes")
                .isFalse();
    }

    @Test
    void aMoreSpecificTunnelRouteInsideAnExcludedNetworkIsAllowed() {
        DestinationPolicy policy = new DestinationPolicy(
                List.of(IpNetwork.parse("10.20.3.10/32")), List.of(IpNetwork.parse("10.20.3.0/24")));
        assertThat(policy.allows(ip("10.20.3.10"))).isTrue();
        assertThat(policy.allows(ip("10.20.3.11"))).isFalse();
    }

    @Test
    void withoutAllowedSourcesOnlyLoopbackMayConnect() {
        SourcePolicy loopback = new SourcePolicy(List.of());
        assertThat(loopback.allows(ip("127.0.0.1"))).isTrue();
        assertThat(loopback.allows(ip("::1"))).isTrue();
        assertThat(loopback.allows(ip("10.244.1.5"))).isFalse();
    }

    @Test
    void allowedSourcesAreTheOnlyOnes() {
        SourcePolicy cluster = new SourcePolicy(List.of(IpNetwork.parse("10.244.0.0/16")));
        assertThat(cluster.allows(ip("10.244.1.5"))).isTrue();
        assertThat(cluster.allows(ip("::ffff:10.244.1.5")))
                .as("an IPv4 client of a dual-stack listener")
                .isTrue();
        assertThat(cluster.allows(ip("10.245.1.5"))).isFalse();
        assertThat(cluster.allows(ip("127.0.0.1")))
                .as("loopback is no longer implied")
                .isFalse();
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
