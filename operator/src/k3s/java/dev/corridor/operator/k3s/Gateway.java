package dev.corridor.operator.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** The corporate side (manifests/corp-gateway.yaml): ocserv behind Service vpn in namespace corp. */
final class Gateway {
    static final String NAMESPACE = "corp";
    private static final String DEPLOYMENT = "gateway";
    /** Where gateway.sh leaves the CA it made at start. */
    private static final String CA_FILE = "/run/corridor-e2e/ca.pem";

    private Gateway() {
    }

    /** Deploys the gateway, waits until it answers, and returns its throwaway CA (PEM), which the tunnel must trust. */
    static String deploy(KubernetesClient client) {
        Manifests.create(client, "corp-gateway.yaml");
        await("Deployment corp/gateway to be ready (ocserv listening, corporate host answering)")
                .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
                    assertThat(deployment.getStatus().getReadyReplicas()).as("ready replicas of corp/gateway").isEqualTo(1);
                });
        Pod pod = client.pods().inNamespace(NAMESPACE).withLabel("app", DEPLOYMENT).list().getItems().stream()
                .filter(candidate -> candidate.getMetadata().getDeletionTimestamp() == null)
                .findFirst().orElseThrow(() -> new AssertionError("corp/gateway is ready but has no pod"));
        String ca = PodShell.run(client, NAMESPACE, pod.getMetadata().getName(), "ocserv", "cat", CA_FILE);
        assertThat(ca).as(CA_FILE + " in the gateway pod").startsWith("-----BEGIN CERTIFICATE-----");
        return ca;
    }
}
