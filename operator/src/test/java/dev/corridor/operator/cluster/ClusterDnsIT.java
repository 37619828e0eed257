package dev.corridor.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster's DNS for the tunnels' forwarders, found by the operator as the Service kube-system/kube-dns, or set. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClusterDnsIT {
    private static final ClusterDns DISCOVER = new ClusterDns("k8s.example.internal", List.of());

    KubernetesClient client;

    @BeforeEach
    void tunnel() {
        client.resource(Fixtures.credentials("vpn-login")).create();
    }

    @Test
    void theClusterDnsIsTheKubeDnsServicesClusterIpsAndItsDomainTheSettingsOne() {
        kubeDns(List.of("10.100.0.10", "fd00:10::a"));

        ClusterDns found = new TunnelLookup(client, DISCOVER).clusterDns();

        assertThat(found).isEqualTo(new ClusterDns("k8s.example.internal", List.of("10.100.0.10", "fd00:10::a")));
        assertThat(new TunnelLookup(client, DISCOVER).problems(Fixtures.tunnel("corp", "vpn-login")))
                .isEmpty();
    }

    @Test
    void resolversInTheSettingsWinAndNothingIsLookedUp() {
        kubeDns(List.of("10.100.0.10"));
        ClusterDns set = new ClusterDns("cluster.local", List.of("10.200.0.53:5353"));

        assertThat(new TunnelLookup(client, set).clusterDns()).isEqualTo(set);
    }

    @Test
    void withoutTheServiceATunnelWithDnsIsInvalidAndSaysWhatToSet() {
        TunnelLookup lookup = new TunnelLookup(client, DISCOVER);

        assertThat(lookup.clusterDns().known()).isFalse();
        assertThat(lookup.problems(Fixtures.tunnel("corp", "vpn-login")))
                .singleElement()
                .satisfies(problem -> {
                    assertThat(problem.reason()).isEqualTo("ClusterDnsUnknown");
                    assertThat(problem.message())
                            .contains("kube-system/kube-dns", "dns.upstream", "spec.dns.enabled: false");
                });
        VpnTunnelSpec spec = Fixtures.tunnel("corp", "vpn-login").getSpec();
        VpnTunnel withoutDns = Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        spec.gateway(),
                        spec.trust(),
                        spec.authentication(),
                        spec.routes(),
                        spec.mtu(),
                        spec.dtls(),
                        spec.sidecar(),
                        spec.reconnect(),
                        null,
                        new TunnelDns(false, null, null)));
        assertThat(lookup.problems(withoutDns))
                .as("a tunnel without DNS needs none")
                .isEmpty();

        kubeDns(List.of("10.100.0.10"));
        assertThat(lookup.problems(Fixtures.tunnel("corp", "vpn-login")))
                .as("found once it exists")
                .extracting(SpecValidation.Problem::reason)
                .isEmpty();
    }

    private void kubeDns(List<String> clusterIps) {
        client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("kube-dns")
                        .withNamespace("kube-system")
                        .endMetadata()
                        .withNewSpec()
                        .withClusterIP(clusterIps.getFirst())
                        .withClusterIPs(clusterIps)
                        .endSpec()
                        .build())
                .create();
    }
}
