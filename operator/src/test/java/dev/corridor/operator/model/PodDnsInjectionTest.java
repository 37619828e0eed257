package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** The pod's DNS with the tunnel's: the forwarder as nameserver, kubelet's ClusterFirst search path kept. */
class PodDnsInjectionTest {
    private static final InjectionSettings NATIVE = new InjectionSettings(
            "sidecar:1",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirementsBuilder()
                    .addToLimits("memory", new Quantity("192Mi"))
                    .build(),
            AllowedImages.NONE);
    private static final ClusterDns CLUSTER = new ClusterDns("k8s.example.internal", List.of("10.100.0.10"));

    @Test
    void aTunnelledPodAsksTheForwarderWithTheSearchPathKubeletWritesForClusterFirst() {
        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), NATIVE, CLUSTER)
                .orElseThrow();

        assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("None");
        PodDNSConfig dns = pod.getSpec().getDnsConfig();
        assertThat(dns.getNameservers()).containsExactly("127.0.0.1");
        assertThat(dns.getSearches())
                .containsExactly("apps.svc.k8s.example.internal", "svc.k8s.example.internal", "k8s.example.internal");
        assertThat(dns.getOptions())
                .extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
                .containsExactly(Tuple.tuple("ndots", "5"));
        assertThat(sidecar(pod).getSecurityContext().getCapabilities().getAdd())
                .as("port 53, and nothing more")
                .containsExactly("NET_ADMIN", "NET_BIND_SERVICE");
        assertThat(PodInjector.verify(pod, Fixtures.tunnel("corp", "login"), NATIVE))
                .isInstanceOf(PodInjector.Verdict.Injected.class);
    }

    @Test
    void thePodsOwnDnsConfigIsMergedAsKubeletMergesItIntoClusterFirst() {
        Pod pod = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .withDnsPolicy("ClusterFirst")
                .withDnsConfig(new PodDNSConfigBuilder()
                        .withNameservers("10.1.1.1")
                        .withSearches("corp.example.com", "svc.k8s.example.internal")
                        .withOptions(new PodDNSConfigOption("ndots", "2"), new PodDNSConfigOption("edns0", null))
                        .build())
                .endSpec()
                .build();

        PodDNSConfig dns = PodInjector.inject(pod, Fixtures.tunnel("corp", "login"), NATIVE, CLUSTER)
                .orElseThrow()
                .getSpec()
                .getDnsConfig();

        assertThat(dns.getNameservers()).containsExactly("127.0.0.1", "10.1.1.1");
        assertThat(dns.getSearches())
                .containsExactly(
                        "apps.svc.k8s.example.internal",
                        "svc.k8s.example.internal",
                        "k8s.example.internal",
                        "corp.example.com");
        assertThat(dns.getOptions())
                .extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
                .as("the pod's ndots wins over kubelet's")
                .containsExactly(Tuple.tuple("ndots", "2"), Tuple.tuple("edns0", null));
    }

    @Test
    void aPodThatChoseItsOwnDnsKeepsItAndIsToldSo() {
        PodDNSConfig own = new PodDNSConfigBuilder()
                .withNameservers("192.0.2.53")
                .withSearches("example.org")
                .build();
        for (String policy : List.of("None", "Default")) {
            Pod pod = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                    .editSpec()
                    .withDnsPolicy(policy)
                    .withDnsConfig(own)
                    .endSpec()
                    .build();

            Pod injected = PodInjector.inject(pod, Fixtures.tunnel("corp", "login"), NATIVE, CLUSTER)
                    .orElseThrow();

            assertThat(injected.getSpec().getDnsPolicy()).isEqualTo(policy);
            assertThat(injected.getSpec().getDnsConfig()).isEqualTo(own);
            assertThat(PodInjector.ownDns(pod))
                    .hasValueSatisfying(reason -> assertThat(reason).contains("dnsPolicy: " + policy, "127.0.0.1"));
        }
        assertThat(PodInjector.ownDns(new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editSpec()
                        .withDnsPolicy("ClusterFirstWithHostNet")
                        .endSpec()
                        .build()))
                .isEmpty();
    }

    @Test
    void withTheTunnelsDnsOffThePodKeepsClusterFirstAndTheSidecarGetsNoNetBindService() {
        VpnTunnel tunnel = withDns(new TunnelDns(false, null, null));

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE, CLUSTER)
                .orElseThrow();

        assertThat(pod.getSpec().getDnsPolicy()).isNull();
        assertThat(pod.getSpec().getDnsConfig()).isNull();
        assertThat(sidecar(pod).getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN");
        assertThat(SidecarConfiguration.render(tunnel.getSpec(), CLUSTER)).doesNotContain("dns", "clusterDomain");
    }

    @Test
    void theConfigurationCarriesTheForwardersOptionsInTheSidecarsNames() {
        String rendered = SidecarConfiguration.render(
                withDns(new TunnelDns(null, List.of("corp.example.com", "lab.example."), true))
                        .getSpec(),
                CLUSTER);

        assertThat(rendered)
                .contains(
                        "dnsListen: \"127.0.0.1:53\"",
                        "dnsUpstream:\n- \"10.100.0.10\"",
                        "clusterDomain: \"k8s.example.internal\"",
                        "dnsDomain:\n- \"corp.example.com\"\n- \"lab.example.\"",
                        "dnsAllThroughTunnel: true");
        assertThat(SidecarConfiguration.render(Fixtures.tunnel("corp", "login").getSpec(), CLUSTER))
                .as("the defaults")
                .contains("dnsListen: \"127.0.0.1:53\"")
                .doesNotContain("dnsDomain", "dnsAllThroughTunnel");
    }

    private static VpnTunnel withDns(TunnelDns dns) {
        VpnTunnelSpec spec = Fixtures.tunnel("corp", "login").getSpec();
        return Fixtures.tunnel(
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
                        dns));
    }

    private static Container sidecar(Pod pod) {
        return pod.getSpec().getInitContainers().getFirst();
    }
}
