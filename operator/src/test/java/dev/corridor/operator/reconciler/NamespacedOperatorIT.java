package dev.corridor.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.webhook.PodMutator;
import io.fabric8.kubernetes.api.model.GroupVersionKindBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The namespaced mode (chart value watchNamespaces): the operator reconciles the tunnels of the listed namespaces
 * only, writes nothing elsewhere, and its webhook refuses pods of other namespaces with the reason, since its Roles
 * let it read nothing there.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NamespacedOperatorIT {
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "corridor/sidecar:test",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);
    private static final WatchedNamespaces APPS_ONLY = new WatchedNamespaces(Set.of(Fixtures.NAMESPACE));

    KubernetesClient client;

    @Test
    void onlyTheWatchedNamespacesTunnelsAreReconciledAndOnlyTheirPodsAdmitted() throws Exception {
        Fixtures.installCrd(client);
        for (String namespace : Set.of(Fixtures.NAMESPACE, "other")) {
            client.resource(inNamespace(Fixtures.credentials("vpn-login"), namespace))
                    .create();
            client.resource(inNamespace(Fixtures.tunnel("corp", "vpn-login"), namespace))
                    .create();
        }
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withCloseClientOnStop(false));
        new VpnTunnelReconciler(
                        client,
                        Fixtures.CLUSTER_DNS,
                        new SidecarProbe(INJECTION, Duration.ofSeconds(1), Clock.systemUTC()),
                        Clock.systemUTC(),
                        Duration.ofSeconds(1))
                .registerWith(operator, APPS_ONLY);
        operator.start();
        try {
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> tunnel(Fixtures.NAMESPACE).getStatus() != null);
            assertThat(client.configMaps()
                            .inNamespace(Fixtures.NAMESPACE)
                            .withName("corridor-corp")
                            .get())
                    .isNotNull();
            assertThat(client.secrets()
                            .inNamespace(Fixtures.NAMESPACE)
                            .withName("corridor-corp-status-token")
                            .get())
                    .isNotNull();
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> tunnel("other").getStatus() == null
                            && client.configMaps()
                                    .inNamespace("other")
                                    .list()
                                    .getItems()
                                    .isEmpty()
                            && client.secrets()
                                            .inNamespace("other")
                                            .withName("corridor-corp-status-token")
                                            .get()
                                    == null);
        } finally {
            operator.stop();
        }

        PodMutator webhook = new PodMutator(
                new TunnelLookup(client, Fixtures.CLUSTER_DNS),
                new TunnelEvents(client),
                INJECTION,
                APPS_ONLY,
                client.getKubernetesSerialization());
        AdmissionResponse elsewhere =
                webhook.admit(creation(inNamespace(Fixtures.annotatedPod("web", "corp"), "other")));
        AdmissionResponse watched = webhook.admit(creation(Fixtures.annotatedPod("web", "corp")));

        assertThat(elsewhere.getAllowed()).isFalse();
        assertThat(elsewhere.getStatus().getMessage())
                .isEqualTo("pod web asks for VpnTunnel 'corp' in namespace 'other', which the operator "
                        + "does not serve (it serves apps: chart value watchNamespaces)");
        assertThat(watched.getAllowed()).isTrue();
        assertThat(watched.getPatch()).isNotNull();
    }

    private VpnTunnel tunnel(String namespace) {
        return client.resources(VpnTunnel.class)
                .inNamespace(namespace)
                .withName("corp")
                .get();
    }

    private static <T extends HasMetadata> T inNamespace(T object, String namespace) {
        object.getMetadata().setNamespace(namespace);
        return object;
    }

    private static AdmissionRequest creation(Pod pod) {
        return new AdmissionRequestBuilder()
                .withUid(UUID.randomUUID().toString())
                .withKind(new GroupVersionKindBuilder()
                        .withGroup("")
                        .withVersion("v1")
                        .withKind("Pod")
                        .build())
                .withNamespace(pod.getMetadata().getNamespace())
                .withOperation("CREATE")
                .withObject(pod)
                .build();
    }
}
