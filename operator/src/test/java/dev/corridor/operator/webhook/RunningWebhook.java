package dev.corridor.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;

/**
 * The operator's webhook serving on loopback against the mock API server, as the operator starts it (generated
 * certificates, the caBundle published), and the API server's side of it: admission over TLS trusting only the
 * published caBundle, and the returned JSONPatch applied to the pod that was sent. Tests outside this package get
 * their pods from here, so every injected pod in the suite is what the webhook really answers.
 */
public final class RunningWebhook implements AutoCloseable {
    public static final String OPERATOR_NAMESPACE = "corridor";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final Webhook webhook;
    private final AdmissionClient apiServer;

    private RunningWebhook(Webhook webhook, AdmissionClient apiServer) {
        this.webhook = webhook;
        this.apiServer = apiServer;
    }

    /** Creates the MutatingWebhookConfiguration if absent, starts the webhook and waits for its published caBundle. */
    public static RunningWebhook start(
            KubernetesClient client,
            InjectionSettings injection,
            ClusterDns clusterDns,
            WatchedNamespaces namespaces,
            OperatorMetrics metrics)
            throws Exception {
        if (client.admissionRegistration()
                        .v1()
                        .mutatingWebhookConfigurations()
                        .withName("corridor")
                        .get()
                == null) {
            client.resource(WebhookIT.webhookConfiguration()).create();
        }
        Webhook webhook = Webhook.start(
                client,
                OPERATOR_NAMESPACE,
                new WebhookSettings(
                        0,
                        WebhookSettings.CertificateSource.GENERATE,
                        "corridor-webhook-tls",
                        "corridor-webhook-ca",
                        "corridor-webhook",
                        "corridor",
                        Path.of("/nonexistent")),
                injection,
                clusterDns,
                namespaces,
                Clock.systemUTC(),
                metrics);
        return new RunningWebhook(
                webhook, new AdmissionClient(webhook.port(), publishedCaBundle(client), WebhookIT.SERVICE_DNS));
    }

    /** The webhook's answer to the creation of this pod in this namespace. */
    public AdmissionResponse admit(Pod pod, String namespace) throws IOException {
        return apiServer.review(pod, namespace).getResponse();
    }

    /** The pod as the API server stores it after the webhook's answer: the JSONPatch applied; fails on any other answer. */
    public Pod inject(Pod pod, String namespace) throws IOException {
        AdmissionResponse response = admit(pod, namespace);
        if (!Boolean.TRUE.equals(response.getAllowed()) || !"JSONPatch".equals(response.getPatchType())) {
            throw new IOException("the webhook did not inject the pod: allowed=" + response.getAllowed()
                    + ", patchType=" + response.getPatchType()
                    + (response.getStatus() == null
                            ? ""
                            : ", " + response.getStatus().getMessage()));
        }
        JsonNode patch = SERIALIZATION.unmarshal(
                new String(Base64.getDecoder().decode(response.getPatch()), StandardCharsets.UTF_8), JsonNode.class);
        return SERIALIZATION.convertValue(
                JsonPatch.apply(patch, SERIALIZATION.convertValue(pod, JsonNode.class)), Pod.class);
    }

    /** The API server's raw HTTPS side, for what is not an admission of a pod. */
    AdmissionClient apiServer() {
        return apiServer;
    }

    static String publishedCaBundle(KubernetesClient client) {
        String base64 = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("corridor")
                .get()
                .getWebhooks()
                .getFirst()
                .getClientConfig()
                .getCaBundle();
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        webhook.close();
    }
}
