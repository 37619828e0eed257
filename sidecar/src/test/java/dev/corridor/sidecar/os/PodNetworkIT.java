package dev.corridor.sidecar.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.PodRoutes;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Setting up the pod's network against the kernel, in a namespace of its own (needs root) that stands for a pod:
 * eth0 (172.31.0.2/24, its router 172.31.0.1, the default route) and nothing else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodNetworkIT {
    private static final InetAddress GATEWAY = InetAddress.ofLiteral("198.18.7.2");
    private static final TunnelInterface VPN = new TunnelInterface(
            "vpn0", Optional.of(new AssignedAddress(InetAddress.ofLiteral("10.99.0.5"), 32)), Optional.empty(), 1400);
    private NetworkNamespace pod;

    @BeforeEach
    void createPod() throws Exception {
        pod = NetworkNamespace.create("cort-pn");
        pod.exec("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
        pod.exec("ip", "addr", "add", "172.31.0.2/24", "dev", "eth0");
        pod.exec("ip", "link", "set", "eth0", "up");
        pod.exec("ip", "link", "set", "peer0", "up");
        pod.exec("ip", "route", "add", "default", "via", "172.31.0.1");
    }

    @AfterEach
    void deletePod() {
        pod.close();
    }

    /**
     * The second network through the tunnel collides with a route the pod already has, so the kernel refuses it after
     * the device, the host route to the gateway, the path around the tunnel and the first network's routes were in
     * place. All of this run goes again; the pod's own route stays.
     */
    @Test
    void aSetUpThatFailsHalfWayLeavesThePodAsItWas() throws Exception {
        pod.exec("ip", "route", "add", "10.55.0.0/16", "via", "172.31.0.1", "proto", "static");
        var before = PodRoutes.of(pod.name(), "-4");
        TunnelRoutes routes = new TunnelRoutes(
                List.of(IpNetwork.parse("10.50.0.0/16"), IpNetwork.parse("10.55.0.0/16")),
                List.of(IpNetwork.parse("10.60.0.0/16")));

        assertThatThrownBy(() -> pod.call(() -> PodNetwork.setUp(VPN, routes, GATEWAY, List.of())))
                .isInstanceOf(OsException.class)
                .hasMessageContaining("10.55.0.0/16")
                .hasMessageContaining("EEXIST");

        assertThat(PodRoutes.of(pod.name(), "-4")).isEqualTo(before);
        assertThat(PodRoutes.links(pod.name())).doesNotContain("vpn0");
    }

    /** The same set-up without the collision: what the failed one would have installed, so the test above proves a removal. */
    @Test
    void theSameSetUpWithoutTheCollisionInstallsItAll() throws Exception {
        TunnelRoutes routes = new TunnelRoutes(
                List.of(IpNetwork.parse("10.50.0.0/16"), IpNetwork.parse("10.55.0.0/16")),
                List.of(IpNetwork.parse("10.60.0.0/16")));

        try (PodNetwork network = pod.call(() -> PodNetwork.setUp(VPN, routes, GATEWAY, List.of()))) {
            assertThat(PodRoutes.of(pod.name(), "-4"))
                    .contains(
                            "198.18.7.2 via 172.31.0.1 dev eth0 proto 151",
                            "10.60.0.0/16 via 172.31.0.1 dev eth0 proto 151",
                            "10.50.0.0/16 dev vpn0 proto 151",
                            "unreachable 10.50.0.0/16 proto 151 metric 1000000",
                            "10.55.0.0/16 dev vpn0 proto 151");
        }
    }
}
