package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Corridor's injection beside a service mesh's, in both orders the API server can call the webhooks in. The mesh side
 * is the shape its injector leaves in the pod: Istio's native-sidecar layout and its reordering rule come from
 * {@code pkg/kube/inject/inject.go} ({@code reorderPod}: "{istio-init/istio-validation} => proxy => rest"), Linkerd's
 * from its proxy injector ({@code linkerd-init} as an init container, {@code linkerd-proxy} beside the application).
 * What must hold whatever the order: the tunnel's sidecar starts before the application's own init containers and
 * containers (it gates them with its startup probe), the mesh's containers are left as the mesh wrote them, and
 * Corridor never asks to change a pod it has already injected (no tug of war with the mesh's reordering).
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ServiceMeshIT {
    KubernetesClient client;
    private RunningWebhook webhook;

    @BeforeEach
    void start() throws Exception {
        Fixtures.installCrd(client);
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
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
    void aPodIstioInjectedFirstGetsTheTunnelAheadOfTheMeshAndKeepsTheMeshAsItWas() throws Exception {
        Pod meshed = istioInjects(applicationPod());

        Pod injected = webhook.inject(meshed, Fixtures.NAMESPACE);

        assertThat(names(injected.getSpec().getInitContainers()))
                .containsExactly(SidecarLayout.CONTAINER_NAME, "istio-init", "istio-proxy", "migrate-schema");
        assertThat(injected.getSpec().getInitContainers().subList(1, 3))
                .isEqualTo(meshed.getSpec().getInitContainers().subList(0, 2));
        assertThat(injected.getSpec().getContainers())
                .isEqualTo(meshed.getSpec().getContainers());
    }

    @Test
    void whenIstioRunsAfterCorridorItsProxyGoesFirstAndTheTunnelStillGatesTheApplication() throws Exception {
        Pod injected = webhook.inject(applicationPod(), Fixtures.NAMESPACE);

        Pod meshed = istioInjects(injected);

        List<String> order = names(meshed.getSpec().getInitContainers());
        assertThat(order).containsExactly("istio-init", "istio-proxy", SidecarLayout.CONTAINER_NAME, "migrate-schema");
        Container sidecar = meshed.getSpec().getInitContainers().get(2);
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        // Re-invoked after the mesh (reinvocationPolicy IfNeeded on the mesh's side): nothing to change.
        assertNoPatch(webhook.admit(meshed, Fixtures.NAMESPACE));
    }

    @Test
    void aLinkerdPodKeepsItsInitAndProxyContainersWithTheTunnelFirst() throws Exception {
        Pod meshed = linkerdInjects(applicationPod());

        Pod injected = webhook.inject(meshed, Fixtures.NAMESPACE);

        assertThat(names(injected.getSpec().getInitContainers()))
                .containsExactly(SidecarLayout.CONTAINER_NAME, "linkerd-init", "migrate-schema");
        assertThat(names(injected.getSpec().getContainers())).containsExactly("linkerd-proxy", "app");
        assertThat(injected.getSpec().getContainers())
                .isEqualTo(meshed.getSpec().getContainers());
        assertNoPatch(webhook.admit(injected, Fixtures.NAMESPACE));
    }

    private static void assertNoPatch(AdmissionResponse response) {
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    /** An application with an init container of its own, which must run with the tunnel up. */
    private static Pod applicationPod() {
        return new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .addNewInitContainer()
                .withName("migrate-schema")
                .withImage("registry.example.test/migrate:1")
                .endInitContainer()
                .endSpec()
                .build();
    }

    /**
     * Istio with native sidecars: istio-init (iptables, NET_ADMIN and NET_RAW) and istio-proxy (restartPolicy Always)
     * added as init containers, then reordered as {@code reorderPod} does: the proxy first, then istio-init before it.
     */
    private static Pod istioInjects(Pod pod) {
        List<Container> init = new ArrayList<>(pod.getSpec().getInitContainers());
        init.add(new ContainerBuilder()
                .withName("istio-proxy")
                .withImage("docker.io/istio/proxyv2:1.24.0")
                .withRestartPolicy("Always")
                .withArgs("proxy", "sidecar")
                .withNewStartupProbe()
                .withNewHttpGet()
                .withPath("/healthz/ready")
                .withNewPort(15021)
                .endHttpGet()
                .endStartupProbe()
                .build());
        init.add(new ContainerBuilder()
                .withName("istio-init")
                .withImage("docker.io/istio/proxyv2:1.24.0")
                .withArgs("istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*")
                .withNewSecurityContext()
                .withNewCapabilities()
                .withAdd("NET_ADMIN", "NET_RAW")
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .build());
        init = moveFirst(init, "istio-proxy");
        init = moveFirst(init, "istio-init");
        return new PodBuilder(pod).editSpec().withInitContainers(init).endSpec().build();
    }

    /** Linkerd without native sidecars: linkerd-init prepended to the init containers, linkerd-proxy first among the containers. */
    private static Pod linkerdInjects(Pod pod) {
        List<Container> init = new ArrayList<>();
        init.add(new ContainerBuilder()
                .withName("linkerd-init")
                .withImage("cr.l5d.io/linkerd/proxy-init:v2.4.1")
                .withArgs("--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "2102")
                .build());
        init.addAll(pod.getSpec().getInitContainers());
        List<Container> containers = new ArrayList<>();
        containers.add(new ContainerBuilder()
                .withName("linkerd-proxy")
                .withImage("cr.l5d.io/linkerd/proxy:edge-24.11.1")
                .build());
        containers.addAll(pod.getSpec().getContainers());
        return new PodBuilder(pod)
                .editSpec()
                .withInitContainers(init)
                .withContainers(containers)
                .endSpec()
                .build();
    }

    private static List<Container> moveFirst(List<Container> containers, String name) {
        List<Container> moved = new ArrayList<>(
                containers.stream().filter(c -> c.getName().equals(name)).toList());
        moved.addAll(containers.stream().filter(c -> !c.getName().equals(name)).toList());
        return moved;
    }

    private static List<String> names(List<Container> containers) {
        return containers.stream().map(Container::getName).toList();
    }
}
