package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.testing.RestrictedPodSecurity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pods annotated corridor.dev/egress, admitted by the running webhook over TLS against the mock API server: the
 * proxy environment of the tunnel's egress and nothing else, so that the pod stays at the restricted Pod Security
 * level; a denial naming the reason when the tunnel cannot serve the pod.
 */
@Timeout(120)
@EnableKubernetesMockClient(crud = true)
class EgressWebhookIT {
    KubernetesClient client;
    private RunningWebhook webhook;

    @BeforeEach
    void start() throws Exception {
        Fixtures.installCrd(client);
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.egressTunnel("corp", "vpn-login")).create();
        webhook = RunningWebhook.start(
                client,
                WebhookIT.INJECTION,
                Fixtures.CLUSTER_DNS,
                WatchedNamespaces.ALL,
                new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
    }

    @AfterEach
    void stop() {
        webhook.close();
    }

    @Test
    void anAnnotatedPodGetsTheProxyEnvironmentAndStaysRestricted() throws Exception {
        Pod original = Fixtures.restrictedEgressPod("web", "apps/corp");

        Pod pod = webhook.inject(original, Fixtures.CLIENT_NAMESPACE);

        Map<String, String> env = pod.getSpec().getContainers().getFirst().getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env)
                .containsEntry("HTTPS_PROXY", "http://corridor-corp-http-proxy.apps.svc.cluster.local:3128")
                .containsEntry("HTTP_PROXY", "http://corridor-corp-http-proxy.apps.svc.cluster.local:3128")
                .containsEntry("ALL_PROXY", "socks5h://corridor-corp-socks5.apps.svc.cluster.local:1080")
                .containsEntry("NO_PROXY", "localhost,127.0.0.1,::1,.svc,.cluster.local,10.42.0.0/16,10.43.0.0/16")
                .containsEntry("https_proxy", "http://corridor-corp-http-proxy.apps.svc.cluster.local:3128");
        assertThat(pod.getSpec().getContainers()).hasSize(1);
        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
        assertThat(pod.getSpec().getVolumes()).isNullOrEmpty();
        assertThat(pod.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
    }

    @Test
    void aNamespaceTheTunnelDoesNotAdmitIsDenied() throws Exception {
        Pod pod = new PodBuilder(Fixtures.restrictedEgressPod("web", "apps/corp"))
                .editMetadata()
                .withNamespace("marketing")
                .endMetadata()
                .build();

        AdmissionResponse response = webhook.admit(pod, "marketing");

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo(
                        "pod web: VpnTunnel apps/corp does not admit namespace 'marketing' (spec.egress.allowedNamespaces: payroll)");
    }

    @Test
    void aMissingTunnelAMalformedAnnotationAndBothAnnotationsAreDenied() throws Exception {
        AdmissionResponse missing =
                webhook.admit(Fixtures.restrictedEgressPod("web", "apps/absent"), Fixtures.CLIENT_NAMESPACE);
        assertThat(missing.getStatus().getMessage())
                .isEqualTo(
                        "pod web asks for the egress of VpnTunnel 'apps/absent' (annotation corridor.dev/egress), which does not exist");

        AdmissionResponse malformed =
                webhook.admit(Fixtures.restrictedEgressPod("web", "apps/corp/x"), Fixtures.CLIENT_NAMESPACE);
        assertThat(malformed.getStatus().getMessage())
                .isEqualTo(
                        "pod web: the annotation corridor.dev/egress is 'apps/corp/x'; it names a VpnTunnel as NAME (in the pod's namespace) or NAMESPACE/NAME");

        Pod both = new PodBuilder(Fixtures.restrictedEgressPod("web", "apps/corp"))
                .editMetadata()
                .addToAnnotations("corridor.dev/tunnel", "corp")
                .endMetadata()
                .build();
        assertThat(webhook.admit(both, Fixtures.CLIENT_NAMESPACE).getStatus().getMessage())
                .isEqualTo(
                        "pod web has both corridor.dev/tunnel and corridor.dev/egress; it takes a tunnel of its own or a shared egress, not both");
    }

    @Test
    void aTunnelWithForwardsAloneOffersNoProxy() throws Exception {
        client.resources(VpnTunnel.class)
                .inNamespace(Fixtures.NAMESPACE)
                .withName("corp")
                .edit(tunnel -> {
                    VpnTunnelSpec spec = tunnel.getSpec();
                    tunnel.setSpec(new VpnTunnelSpec(
                            spec.gateway(),
                            spec.trust(),
                            spec.authentication(),
                            spec.routes(),
                            null,
                            null,
                            null,
                            null,
                            new Egress(null, spec.egress().services(), null, List.of(Fixtures.CLIENT_NAMESPACE)),
                            spec.dns()));
                    return tunnel;
                });

        AdmissionResponse response =
                webhook.admit(Fixtures.restrictedEgressPod("web", "apps/corp"), Fixtures.CLIENT_NAMESPACE);

        assertThat(response.getStatus().getMessage()).startsWith("pod web: VpnTunnel apps/corp has no proxy");
    }
}
