package dev.corridor.operator.webhook;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps pod admission answering on a real cluster: a replica is ready only once the webhook configuration trusts
 * its certificate, and an admission whose API reads hang answers before the API server's own timeout.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(120)
class WebhookAvailabilityIT {
    private static final WebhookSettings GENERATE = new WebhookSettings(
            0,
            WebhookSettings.CertificateSource.GENERATE,
            "corridor-webhook-tls",
            "corridor-webhook-ca",
            "corridor-webhook",
            "corridor",
            Path.of("/nonexistent"));

    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void generatedCertificatesAreReadyOnceTheWebhookConfigurationExistsAndTrustsTheirCa() throws Exception {
        try (Webhook webhook = start(GENERATE)) {
            AdmissionClient apiServer = new AdmissionClient(webhook.port(), caSecretBundle(), WebhookIT.SERVICE_DNS);
            AdmissionClient.Answer before = apiServer.send("GET", "/readyz", null);
            assertThat(before.code()).isEqualTo(503);
            assertThat(before.body())
                    .isEqualTo("the webhook configuration's caBundle does not trust the serving certificate yet\n");

            // Helm creates the webhook configuration after the Deployment: the operator publishes its CA into it.
            client.resource(WebhookIT.webhookConfiguration()).create();

            await().atMost(Duration.ofSeconds(15))
                    .until(() -> apiServer.send("GET", "/readyz", null).code() == 200);
            assertThat(RunningWebhook.publishedCaBundle(client)).isEqualTo(caSecretBundle());
        }
    }

    @Test
    void mountedCertificatesAreReadyOnlyOnceCertManagerInjectedTheirCa(@TempDir Path directory) throws Exception {
        WebhookCertificates issued = WebhookCertificates.create(List.of(WebhookIT.SERVICE_DNS), Instant.now());
        Files.writeString(directory.resolve("tls.crt"), Pem.encode(List.of(issued.serving())));
        Files.writeString(directory.resolve("tls.key"), Pem.encode(List.of(issued.servingKey())));
        client.resource(WebhookIT.webhookConfiguration()).create();
        WebhookSettings files = new WebhookSettings(
                0,
                WebhookSettings.CertificateSource.FILES,
                "corridor-webhook-tls",
                "corridor-webhook-ca",
                "corridor-webhook",
                "corridor",
                directory);

        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try (Webhook webhook = start(files, metrics)) {
            // For the alert that the certificate was not renewed in time.
            assertThat(metrics.scrape())
                    .contains("corridor_webhook_certificate_expiry_timestamp_seconds "
                            + (double)
                                    issued.serving().getNotAfter().toInstant().getEpochSecond());
            String ca = Pem.encode(issued.authorities());
            AdmissionClient apiServer = new AdmissionClient(webhook.port(), ca, WebhookIT.SERVICE_DNS);
            assertThat(apiServer.send("GET", "/readyz", null).code()).isEqualTo(503);

            // A CA that did not sign the certificate is no better than none.
            injectCaBundle(Pem.encode(WebhookCertificates.create(List.of(WebhookIT.SERVICE_DNS), Instant.now())
                    .authorities()));
            Thread.sleep(Webhook.NOT_READY_RECHECK.multipliedBy(2).toMillis());
            assertThat(apiServer.send("GET", "/readyz", null).code()).isEqualTo(503);

            injectCaBundle(ca);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> apiServer.send("GET", "/readyz", null).code() == 200);
        }
    }

    @Test
    void anAdmissionWhoseApiReadHangsIsRefusedWellBeforeTheWebhookTimeout() throws Exception {
        Fixtures.installCrd(client);
        client.resource(WebhookIT.webhookConfiguration()).create();
        // The API server answers the tunnel's read after longer than the webhook's timeoutSeconds (10 s).
        server.expect()
                .get()
                .delay(12, TimeUnit.SECONDS)
                .withPath("/apis/corridor.dev/v1alpha1/namespaces/" + NAMESPACE + "/vpntunnels/corp")
                .andReturn(200, Fixtures.tunnel("corp", "vpn-login"))
                .always();

        try (Webhook webhook = start(GENERATE)) {
            AdmissionClient apiServer = new AdmissionClient(webhook.port(), caSecretBundle(), WebhookIT.SERVICE_DNS);
            // Warms up TLS and the client's connection with a tunnel that is answered at once, so that the time below
            // is the read's.
            assertThat(apiServer
                            .review(Fixtures.annotatedPod("web", "absent"), NAMESPACE)
                            .getResponse()
                            .getAllowed())
                    .isFalse();
            long started = System.nanoTime();
            AdmissionResponse response = apiServer
                    .review(Fixtures.annotatedPod("web", "corp"), NAMESPACE)
                    .getResponse();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(response.getAllowed()).isFalse();
            assertThat(response.getStatus().getMessage())
                    .startsWith("pod web: could not check VpnTunnel 'corp' in namespace 'apps': ");
            // One read, cut at the admission client's request timeout (1.5 s), with slack for a loaded machine; the
            // client's default would wait for the API server's answer (12 s), past the webhook's 10 s.
            assertThat(took).isLessThan(AdmissionApiClient.REQUEST_TIMEOUT.plusSeconds(4));
        }
    }

    private Webhook start(WebhookSettings settings) throws Exception {
        return start(settings, new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
    }

    private Webhook start(WebhookSettings settings, OperatorMetrics metrics) throws Exception {
        return Webhook.start(
                client,
                RunningWebhook.OPERATOR_NAMESPACE,
                settings,
                WebhookIT.INJECTION,
                Fixtures.CLUSTER_DNS,
                WatchedNamespaces.ALL,
                Clock.systemUTC(),
                metrics);
    }

    private String caSecretBundle() {
        String base64 = client.secrets()
                .inNamespace(RunningWebhook.OPERATOR_NAMESPACE)
                .withName(GENERATE.caSecretName())
                .get()
                .getData()
                .get("ca.crt");
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    /** What cert-manager's CA injector does. */
    private void injectCaBundle(String pem) {
        MutatingWebhookConfiguration configuration = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("corridor")
                .get();
        configuration
                .getWebhooks()
                .getFirst()
                .getClientConfig()
                .setCaBundle(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
        client.resource(configuration).update();
    }
}
