package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.testing.RestrictedPodSecurity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EgressEnvironmentTest {
    private final VpnTunnel tunnel = Fixtures.egressTunnel("corp", "vpn-login");

    @Test
    void theProxiesAreTheEgressServicesAndTheClusterStaysDirect() {
        Map<String, String> variables = EgressEnvironment.variables(tunnel, "cluster.local");

        String http = "http://corridor-corp-http-proxy.apps.svc.cluster.local:3128";
        String noProxy = "localhost,127.0.0.1,::1,.svc,.cluster.local,10.42.0.0/16,10.43.0.0/16";
        assertThat(variables)
                .containsExactly(
                        Map.entry("HTTP_PROXY", http),
                        Map.entry("HTTPS_PROXY", http),
                        Map.entry("ALL_PROXY", "socks5h://corridor-corp-socks5.apps.svc.cluster.local:1080"),
                        Map.entry("NO_PROXY", noProxy),
                        Map.entry("http_proxy", http),
                        Map.entry("https_proxy", http),
                        Map.entry("all_proxy", "socks5h://corridor-corp-socks5.apps.svc.cluster.local:1080"),
                        Map.entry("no_proxy", noProxy));
    }

    @Test
    void aPodGetsTheVariablesInEveryContainerButKeepsItsOwnAndNothingElse() {
        Pod pod = new PodBuilder(Fixtures.restrictedEgressPod("web", "apps/corp"))
                .editSpec()
                .editFirstContainer()
                .addNewEnv()
                .withName("HTTPS_PROXY")
                .withValue("http://own-proxy:8080")
                .endEnv()
                .endContainer()
                .addNewInitContainer()
                .withName("migrate")
                .withImage("registry.example.test/migrate:1")
                .endInitContainer()
                .endSpec()
                .build();

        Pod injected = EgressEnvironment.inject(pod, tunnel, "cluster.local").orElseThrow();

        assertThat(injected.getSpec().getContainers().getFirst().getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .contains(org.assertj.core.groups.Tuple.tuple("HTTPS_PROXY", "http://own-proxy:8080"))
                .filteredOn(variable -> variable.toList().getFirst().equals("HTTPS_PROXY"))
                .hasSize(1);
        assertThat(injected.getSpec().getInitContainers().getFirst().getEnv())
                .extracting(EnvVar::getName)
                .contains("HTTPS_PROXY", "NO_PROXY");
        // Only env changed: no container, volume, label or security setting.
        Pod withoutEnv = new PodBuilder(injected)
                .editSpec()
                .editFirstContainer()
                .withEnv(pod.getSpec().getContainers().getFirst().getEnv())
                .endContainer()
                .editFirstInitContainer()
                .withEnv(List.of())
                .endInitContainer()
                .endSpec()
                .build();
        Pod originalWithoutEnv = new PodBuilder(pod)
                .editSpec()
                .editFirstInitContainer()
                .withEnv(List.of())
                .endInitContainer()
                .endSpec()
                .build();
        assertThat(withoutEnv).isEqualTo(originalWithoutEnv);
        assertThat(EgressEnvironment.inject(injected, tunnel, "cluster.local")).isEmpty();
    }

    /** The point of the egress: the pod stays at the restricted level, where an injected sidecar cannot. */
    @Test
    void anEgressPodPassesTheRestrictedProfileAndASidecarPodDoesNot() {
        Pod pod = Fixtures.restrictedEgressPod("web", "apps/corp");
        assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();

        assertThat(RestrictedPodSecurity.violations(
                        EgressEnvironment.inject(pod, tunnel, "cluster.local").orElseThrow()))
                .isEmpty();

        InjectionSettings settings = new InjectionSettings(
                "corridor/sidecar:test",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.HOST_PATH,
                new ResourceRequirements(),
                AllowedImages.NONE);
        Pod sidecarPod = PodInjector.inject(
                        new PodBuilder(pod)
                                .editMetadata()
                                .withNamespace(Fixtures.NAMESPACE)
                                .endMetadata()
                                .build(),
                        Fixtures.tunnel("corp", "vpn-login"),
                        settings,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();
        assertThat(RestrictedPodSecurity.violations(sidecarPod))
                .containsExactlyInAnyOrder(
                        "volume corridor-tun: type hostPath is not allowed (hostPath and other non-ephemeral sources are forbidden)",
                        "init container corridor-sidecar: runAsNonRoot must be true (on the container or the pod)",
                        "init container corridor-sidecar: runAsUser must not be 0",
                        "init container corridor-sidecar: capability NET_ADMIN may not be added (only NET_BIND_SERVICE)");
    }

    @Test
    void aNamespaceOutsideTheAllowedOnesOrATunnelWithoutProxyIsNamed() {
        assertThat(EgressEnvironment.problem(tunnel, "payroll")).isEmpty();
        assertThat(EgressEnvironment.problem(tunnel, "marketing"))
                .contains(
                        "VpnTunnel apps/corp does not admit namespace 'marketing' (spec.egress.allowedNamespaces: payroll)");
        VpnTunnelSpec spec = tunnel.getSpec();
        VpnTunnel forwardsOnly = Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        spec.gateway(),
                        spec.trust(),
                        spec.authentication(),
                        spec.routes(),
                        null,
                        null,
                        null,
                        null,
                        new Egress(null, spec.egress().services(), null, List.of("payroll")),
                        spec.dns()));
        assertThat(EgressEnvironment.problem(forwardsOnly, "payroll"))
                .contains(
                        "VpnTunnel apps/corp has no proxy (spec.egress.proxy.socks5 or"
                                + " .http): reach its forwarded services by their Services instead, without the annotation corridor.dev/egress");
        assertThat(EgressEnvironment.problem(Fixtures.tunnel("corp", "vpn-login"), "payroll"))
                .contains("VpnTunnel apps/corp has no spec.egress");
    }

    @Test
    void theAnnotationNamesATunnelInThePodsNamespaceOrAnother() {
        assertThat(EgressEnvironment.TunnelReference.parse("corp", "payroll"))
                .contains(new EgressEnvironment.TunnelReference("payroll", "corp"));
        assertThat(EgressEnvironment.TunnelReference.parse("apps/corp", "payroll"))
                .contains(new EgressEnvironment.TunnelReference("apps", "corp"));
        assertThat(EgressEnvironment.TunnelReference.parse("apps/", "payroll")).isEqualTo(Optional.empty());
        assertThat(EgressEnvironment.TunnelReference.parse("a/b/c", "payroll")).isEmpty();
        assertThat(EgressEnvironment.TunnelReference.parse(" ", "payroll")).isEmpty();
    }
}
