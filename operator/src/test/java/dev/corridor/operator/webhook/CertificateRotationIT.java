package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving certificate changes under a running webhook: renewed by the operator, or re-mounted by cert-manager. */
@EnableKubernetesMockClient(crud = true)
class CertificateRotationIT {
    private static final WebhookSettings SETTINGS = new WebhookSettings(0, WebhookSettings.CertificateSource.GENERATE,
            "corridor-webhook-tls", "corridor-webhook", "corridor", Path.of("/nonexistent"));
    private static final InjectionSettings INJECTION = new InjectionSettings("sidecar", "IfNotPresent", InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH, new ResourceRequirements(), AllowedImages.NONE);

    KubernetesClient client;

    @Test
    void theOperatorRenewsItsServingCertificateBeforeExpiryUnderTheSameCa() throws Exception {
        client.resource(WebhookIT.webhookConfiguration()).create();
        MutableClock clock = new MutableClock(Instant.now());
        SwappableKeyManager keys = new SwappableKeyManager();
        GeneratedCertificates certificates = new GeneratedCertificates(client, "corridor", SETTINGS, keys, clock);
        certificates.refresh();
        try (WebhookServer server = server(keys, clock)) {
            AdmissionClient apiServer = new AdmissionClient(server.port(), caBundle(), WebhookIT.SERVICE_DNS);
            X509Certificate first = apiServer.send("GET", "/healthz", null).certificate();
            String caBefore = secret().getData().get("ca.crt");

            clock.advance(Duration.ofDays(300));
            certificates.refresh();
            assertThat(apiServer.send("GET", "/healthz", null).certificate()).isEqualTo(first);

            clock.advance(Duration.ofDays(40)); // 25 days left: inside the renewal window
            certificates.refresh();
            X509Certificate renewed = new AdmissionClient(server.port(), caBundle(), WebhookIT.SERVICE_DNS, clock.instant())
                    .send("GET", "/healthz", null).certificate();

            assertThat(renewed).isNotEqualTo(first);
            assertThat(renewed.getNotAfter().toInstant()).isAfter(first.getNotAfter().toInstant());
            assertThat(secret().getData().get("ca.crt")).isEqualTo(caBefore);
            assertThat(caBundle()).isEqualTo(decode(caBefore));
            // A second replica starting now reads the renewed certificate instead of making its own.
            SwappableKeyManager otherReplica = new SwappableKeyManager();
            new GeneratedCertificates(client, "corridor", SETTINGS, otherReplica, clock).refresh();
            assertThat(otherReplica.current().chain().getFirst()).isEqualTo(renewed);
        }
    }

    @Test
    void aCertificateMountedByCertManagerIsReloadedWhenItChanges(@TempDir Path directory) throws Exception {
        WebhookCertificates issued = WebhookCertificates.create(List.of(WebhookIT.SERVICE_DNS), Instant.now());
        write(directory, issued);
        SwappableKeyManager keys = new SwappableKeyManager();
        MountedCertificates certificates = new MountedCertificates(directory, keys);
        certificates.refresh();
        try (WebhookServer server = server(keys, Clock.systemUTC())) {
            AdmissionClient apiServer = new AdmissionClient(server.port(), Pem.encode(issued.authorities()), WebhookIT.SERVICE_DNS);
            assertThat(apiServer.send("GET", "/readyz", null).certificate()).isEqualTo(issued.serving());

            Instant later = Instant.now().plus(Duration.ofDays(340));
            WebhookCertificates reissued = issued.renewal(List.of(WebhookIT.SERVICE_DNS), later).orElseThrow();
            write(directory, reissued);
            certificates.refresh();

            AdmissionClient afterRenewal = new AdmissionClient(server.port(), Pem.encode(issued.authorities()), WebhookIT.SERVICE_DNS, later);
            assertThat(afterRenewal.send("GET", "/healthz", null).certificate()).isEqualTo(reissued.serving());
        }
    }

    @Test
    void anUnreadableMountedCertificateSaysWhichFile(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("tls.crt"), "not a certificate");
        Files.writeString(directory.resolve("tls.key"), "");

        MountedCertificates certificates = new MountedCertificates(directory, new SwappableKeyManager());

        org.assertj.core.api.Assertions.assertThatThrownBy(certificates::refresh)
                .hasMessage("cannot load the webhook certificate from " + directory.resolve("tls.crt") + " and "
                        + directory.resolve("tls.key") + ": no certificate in the PEM text");
    }

    private WebhookServer server(SwappableKeyManager keys, Clock clock) throws Exception {
        return WebhookServer.start(new InetSocketAddress("127.0.0.1", 0), keys,
                new PodMutator(new TunnelLookup(client), INJECTION, client.getKubernetesSerialization()), client.getKubernetesSerialization(), clock,
                new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)), WebhookServer.Limits.DEFAULT);
    }

    private static void write(Path directory, WebhookCertificates certificates) throws Exception {
        Files.writeString(directory.resolve("tls.crt"), Pem.encode(List.of(certificates.serving())));
        Files.writeString(directory.resolve("tls.key"), Pem.encode(List.of(certificates.servingKey())));
    }

    private Secret secret() {
        return client.secrets().inNamespace("corridor").withName("corridor-webhook-tls").get();
    }

    private String caBundle() {
        return decode(client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("corridor").get()
                .getWebhooks().getFirst().getClientConfig().getCaBundle());
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    /** A clock the test moves forward, to reach the renewal window without waiting. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
