package dev.corridor.operator.webhook;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;

/**
 * The client admissions read the API server with: the operator's, with timeouts that fit inside the webhook's
 * {@code timeoutSeconds} (10 s). An admission reads at most five objects one after another (the tunnel, its
 * credential Secret, its CA, its ConfigMap and its status-token Secret); with the client's defaults (10 s per
 * request, retried with back-off) one slow read outlasts the API server's patience, and it refuses the pod with a
 * timeout that names nothing. With these, a stuck API server costs at most 1 s to connect plus 5 x 1.5 s, and the pod
 * is refused with the read that failed named.
 */
final class AdmissionApiClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration REQUEST_TIMEOUT = Duration.ofMillis(1500);

    private AdmissionApiClient() {}

    /** A new client on the same configuration (server, credentials) with the admission timeouts and no retries. */
    static KubernetesClient derivedFrom(KubernetesClient client) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(client.getConfiguration())
                        .withConnectionTimeout((int) CONNECT_TIMEOUT.toMillis())
                        .withRequestTimeout((int) REQUEST_TIMEOUT.toMillis())
                        // A retry would start after the API server has given up on the webhook.
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build();
    }
}
