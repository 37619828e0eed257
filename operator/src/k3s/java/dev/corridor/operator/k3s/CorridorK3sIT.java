package dev.corridor.operator.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Corridor end to end on a real cluster: k3s in Docker, the operator installed from charts/corridor with images
 * built from the repository's Dockerfiles, a real ocserv gateway in namespace corp, and annotated workloads in
 * namespace apps. The corporate host, 10.20.1.10, lives on the gateway's loopback: nothing in the cluster routes
 * to it, so a pod reaches it only through a tunnel, and it answers with the address the request came from.
 * Profile k3s; skipped where Testcontainers finds no Docker.
 *
 * <p>The tests share the cluster and run in order, as a user would go: a Job, a Deployment, then a mistake. The
 * Job's pod has finished before the Deployment starts, and the operator does not count finished pods, so the
 * Deployment's pod is the tunnel's only one.
 */
@Testcontainers(disabledWithoutDocker = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CorridorK3sIT {
    private static final String APPS = "apps";
    private static final String TUNNEL = "corp-vpn";
    private static final String SIDECAR = "corridor-sidecar";
    /** The corporate host's answer to a request that came through a tunnel: the pod's address in the VPN pool. */
    private static final Pattern THROUGH_THE_TUNNEL = Pattern.compile("corporate host 10\\.20\\.1\\.10 answers (10\\.99\\.0\\.\\d{1,3})");

    private static K3sNode node;
    private static KubernetesClient client;

    @RegisterExtension
    static final ClusterDiagnostics DIAGNOSTICS = new ClusterDiagnostics(() -> client, List.of(CorridorRelease.NAMESPACE, Gateway.NAMESPACE, APPS));

    @BeforeAll
    static void deployCorridorAndTheGateway(@TempDir Path scratch) {
        CompletableFuture<Void> building = SuiteImages.build();
        node = K3sNode.start();
        node.requireTunDevice();
        building.join();
        node.importImages(SuiteImages.ALL, scratch);
        client = node.client();

        String gatewayCa = Gateway.deploy(client);
        CorridorRelease.install(node.kubeConfigYaml());
        CorridorRelease.awaitWebhookCa(client);

        // The tunnel trusts the gateway by its CA: the namespace and that CA first, so the tunnel is valid from the start.
        client.resource(new NamespaceBuilder().withNewMetadata().withName(APPS).endMetadata().build()).create();
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("corp-ca").withNamespace(APPS).endMetadata()
                .addToData("ca.crt", gatewayCa).build()).create();
        Manifests.create(client, "apps-tunnel.yaml");
    }

    @AfterAll
    static void removeTheCluster() {
        if (client != null) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void aJobReachesTheCorporateHostThroughTheTunnelAndCompletes() {
        Manifests.create(client, "apps-job.yaml");
        Resource<Job> job = client.batch().v1().jobs().inNamespace(APPS).withName("fetch-report");
        await("Job apps/fetch-report to complete").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                .failFast("Job apps/fetch-report failed", () -> hasCondition(job.get(), "Failed"))
                .until(() -> hasCondition(job.get(), "Complete"));

        Pod pod = onlyPod("batch.kubernetes.io/job-name", "fetch-report");
        assertThat(pod.getMetadata().getLabels()).containsEntry("corridor.dev/tunnel", TUNNEL);
        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getName()).isEqualTo(SIDECAR);
        assertThat(sidecar.getRestartPolicy()).as("a native sidecar").isEqualTo("Always");
        assertThat(sidecar.getImage()).isEqualTo(SuiteImages.SIDECAR.reference());

        assertThat(log(pod, "fetch")).containsPattern(THROUGH_THE_TUNNEL);
        assertThat(log(pod, SIDECAR)).contains("tunnel up on vpn0: routes [10.20.1.0/24, 10.99.0.0/24]");
        // The kubelet stops a native sidecar once the job's container has exited; on SIGTERM it logs out and exits 0.
        await("the sidecar of " + pod.getMetadata().getName() + " to stop").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    ContainerStatus sidecarStatus = client.resource(pod).get().getStatus().getInitContainerStatuses().stream()
                            .filter(status -> SIDECAR.equals(status.getName())).findFirst().orElseThrow();
                    assertThat(sidecarStatus.getState().getTerminated()).as("the sidecar's state after the job").isNotNull()
                            .satisfies(terminated -> assertThat(terminated.getExitCode()).as("the sidecar's exit status").isZero());
                });

        assertThat(condition(tunnel().getStatus(), "ConfigValid")).satisfies(valid -> {
            assertThat(valid.getStatus()).as("ConfigValid: " + valid.getMessage()).isEqualTo("True");
            assertThat(valid.getReason()).isEqualTo("Valid");
        });
    }

    @Test
    @Order(2)
    void aDeploymentsPodKeepsTheTunnelUpAndTheVpnTunnelReportsIt() {
        Manifests.create(client, "apps-deployment.yaml");
        // The application container is ready only while it reaches the corporate host.
        await("Deployment apps/inventory-sync to be available").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    Deployment deployment = client.apps().deployments().inNamespace(APPS).withName("inventory-sync").get();
                    assertThat(deployment.getStatus().getAvailableReplicas()).as("available replicas of apps/inventory-sync").isEqualTo(1);
                });
        Pod pod = onlyPod("app", "inventory-sync");
        String podName = pod.getMetadata().getName();
        Matcher answer = THROUGH_THE_TUNNEL.matcher(PodShell.run(client, APPS, podName, "sync", "curl", "--fail", "--silent", "--show-error",
                "--max-time", "10", "http://10.20.1.10/"));
        assertThat(answer.find()).as("the corporate host's answer to " + podName).isTrue();
        String vpnAddress = answer.group(1);

        // The operator looks at the pods again every 30 s, and DTLS joins the session shortly after it opens.
        await("VpnTunnel apps/corp-vpn to report " + podName + " connected over DTLS").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    VpnTunnelStatus status = tunnel().getStatus();
                    assertThat(status).as("the VpnTunnel's status").isNotNull();
                    assertThat(status.injectedPods()).as("injectedPods").isEqualTo(1);
                    assertThat(status.connectedPods()).as("connectedPods").isEqualTo(1);
                    Condition ready = condition(status, "Ready");
                    assertThat(ready.getStatus()).as("Ready: " + ready.getMessage()).isEqualTo("True");
                    assertThat(status.pods()).singleElement().satisfies(summary -> {
                        assertThat(summary.name()).isEqualTo(podName);
                        assertThat(summary.connected()).as("connected").isTrue();
                        assertThat(summary.transport()).as("transport").isEqualTo("dtls");
                        assertThat(summary.address()).as("the sidecar's VPN address, as the corporate host saw it").isEqualTo(vpnAddress);
                    });
                });
    }

    @Test
    @Order(3)
    void aPodNamingAMissingTunnelIsRefusedWithTheReason() {
        Pod orphan = (Pod) Manifests.read("apps-orphan-pod.yaml").getFirst();

        assertThatThrownBy(() -> client.resource(orphan).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, refused -> {
                    assertThat(refused.getCode()).isEqualTo(403);
                    assertThat(refused.getStatus().getMessage()).isEqualTo("admission webhook \"pods.corridor.dev\" denied the request: pod orphan "
                            + "asks for VpnTunnel 'no-such-tunnel' (annotation corridor.dev/tunnel), which does not exist in namespace 'apps'");
                });
        assertThat(client.pods().inNamespace(APPS).withName("orphan").get()).isNull();
    }

    private static VpnTunnel tunnel() {
        return client.resources(VpnTunnel.class).inNamespace(APPS).withName(TUNNEL).get();
    }

    private static Condition condition(VpnTunnelStatus status, String type) {
        return Optional.ofNullable(status).map(VpnTunnelStatus::conditions).orElse(List.of()).stream()
                .filter(condition -> type.equals(condition.getType())).findFirst()
                .orElseThrow(() -> new AssertionError("VpnTunnel " + TUNNEL + " has no " + type + " condition; its status: " + status));
    }

    private static boolean hasCondition(Job job, String type) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                .anyMatch(condition -> type.equals(condition.getType()) && "True".equals(condition.getStatus()));
    }

    private static Pod onlyPod(String label, String value) {
        List<Pod> pods = client.pods().inNamespace(APPS).withLabel(label, value).list().getItems();
        assertThat(pods).as("pods labelled " + label + "=" + value).hasSize(1);
        return pods.getFirst();
    }

    private static String log(Pod pod, String container) {
        return client.pods().inNamespace(APPS).withName(pod.getMetadata().getName()).inContainer(container).getLog();
    }
}
