package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.reconciler.TunnelEvents;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The serving certificate changes under a running webhook: renewed by the operator, or re-mounted by cert-manager. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CertificateRotationIT {
    private static final WebhookSettings SETTINGS = new WebhookSettings(
            0,
            WebhookSettings.CertificateSource.GENERATE,
            "corridor-webhook-tls",
            "corridor-webhook-ca",
            "corridor-webhook",
            "corridor",
            Path.of("/nonexistent"));
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "sidecar",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);

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
            String caBefore = caSecret().getData().get("ca.crt");

            clock.advance(Duration.ofDays(300));
            certificates.refresh();
            assertThat(apiServer.send("GET", "/healthz", null).certificate()).isEqualTo(first);

            clock.advance(Duration.ofDays(40)); // 25 days left: inside the renewal window
            certificates.refresh();
            X509Certificate renewed = new AdmissionClient(
                            server.port(), caBundle(), WebhookIT.SERVICE_DNS, clock.instant())
                    .send("GET", "/healthz", null)
                    .certificate();

            assertThat(renewed).isNotEqualTo(first);
            assertThat(renewed.getNotAfter().toInstant())
                    .isAfter(first.getNotAfter().toInstant());
            assertThat(caSecret().getData().get("ca.crt")).isEqualTo(caBefore);
            assertThat(caBundle()).isEqualTo(decode(caBefore));
            // A second replica starting now reads the renewed certificate instead of making its own.
            SwappableKeyManager otherReplica = new SwappableKeyManager();
            new GeneratedCertificates(client, "corridor", SETTINGS, otherReplica, clock).refresh();
            assertThat(otherReplica.current().chain().getFirst()).isEqualTo(renewed);
        }
    }

    @Test
    void aStaleReplicaAddsToTheCaBundleAndNeverTakesANewerCaOutOfIt() throws Exception {
        client.resource(WebhookIT.webhookConfiguration()).create();
        MutableClock clock = new MutableClock(Instant.now());
        GeneratedCertificates fresh =
                new GeneratedCertificates(client, "corridor", SETTINGS, new SwappableKeyManager(), clock);
        SwappableKeyManager staleKeys = new SwappableKeyManager();
        GeneratedCertificates stale =
                new GeneratedCertificates(client, "corridor", SETTINGS, staleKeys, Clock.systemUTC());
        fresh.refresh();
        stale.refresh();
        // What the stale replica read, before the other one rolled the CA.
        List<X509Certificate> staleView = Pem.certificates(caBundle());
        assertThat(staleView).hasSize(1);

        clock.advance(Duration.ofDays(3650 - 300)); // the CA's last year: a new one joins the bundle
        fresh.refresh();
        List<X509Certificate> rolled = Pem.certificates(caBundle());
        assertThat(rolled).hasSize(2).endsWith(staleView.getFirst());

        // The stale replica publishes what it read earlier: the bundle keeps the new CA.
        stale.publishCaBundle(staleView);
        assertThat(Pem.certificates(caBundle())).containsExactlyElementsOf(rolled);
        // Reading again, it serves the certificate the new CA signed, which the bundle trusts.
        stale.refresh();
        assertThat(Pem.certificates(caBundle())).containsExactlyElementsOf(rolled);
        staleKeys.current().chain().getFirst().verify(rolled.getFirst().getPublicKey());

        // Once the old CA has expired, it leaves the bundle.
        clock.advance(Duration.ofDays(301));
        fresh.refresh();
        assertThat(Pem.certificates(caBundle())).containsExactly(rolled.getFirst());
    }

    @Test
    void twoReplicasStartingTogetherAgreeOnOneCaAndOneServingCertificate() throws Exception {
        client.resource(WebhookIT.webhookConfiguration()).create();
        List<SwappableKeyManager> replicas =
                List.of(new SwappableKeyManager(), new SwappableKeyManager(), new SwappableKeyManager());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> refreshes = new ArrayList<>();
        try (ExecutorService starting = Executors.newVirtualThreadPerTaskExecutor()) {
            for (SwappableKeyManager keys : replicas) {
                refreshes.add(starting.submit(() -> {
                    go.await();
                    new GeneratedCertificates(client, "corridor", SETTINGS, keys, Clock.systemUTC()).refresh();
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> refresh : refreshes) {
                refresh.get(30, TimeUnit.SECONDS);
            }
        }

        List<X509Certificate> bundle = Pem.certificates(caBundle());
        assertThat(bundle)
                .hasSize(1)
                .isEqualTo(Pem.certificates(decode(caSecret().getData().get("ca.crt"))));
        X509Certificate served = Pem.certificates(
                        decode(servingSecret().getData().get("tls.crt")))
                .getFirst();
        assertThat(replicas)
                .allSatisfy(
                        keys -> assertThat(keys.current().chain().getFirst()).isEqualTo(served));
        served.verify(bundle.getFirst().getPublicKey());
    }

    @Test
    void aCaKeptInTheServingSecretAsBeforeMovesToItsOwnSecretUnchanged() throws Exception {
        client.resource(WebhookIT.webhookConfiguration()).create();
        WebhookCertificates before = WebhookCertificates.create(
                new GeneratedCertificates(client, "corridor", SETTINGS, new SwappableKeyManager(), Clock.systemUTC())
                        .dnsNames(),
                Instant.now());
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("corridor-webhook-tls")
                        .withNamespace("corridor")
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToData("ca.crt", encode(Pem.encode(before.authorities())))
                        .addToData("ca.key", encode(Pem.encode(List.of(before.authorityKey()))))
                        .addToData("tls.crt", encode(Pem.encode(List.of(before.serving()))))
                        .addToData("tls.key", encode(Pem.encode(List.of(before.servingKey()))))
                        .build())
                .create();
        SwappableKeyManager keys = new SwappableKeyManager();

        new GeneratedCertificates(client, "corridor", SETTINGS, keys, Clock.systemUTC()).refresh();

        assertThat(caSecret().getData()).containsOnlyKeys("ca.crt", "ca.key");
        assertThat(Pem.certificates(decode(caSecret().getData().get("ca.crt")))).isEqualTo(before.authorities());
        assertThat(Pem.privateKey(decode(caSecret().getData().get("ca.key")))).isEqualTo(before.authorityKey());
        assertThat(servingSecret().getData()).containsOnlyKeys("tls.crt", "tls.key");
        assertThat(keys.current().chain().getFirst()).isEqualTo(before.serving());
        assertThat(Pem.certificates(caBundle())).isEqualTo(before.authorities());
    }

    @Test
    void aCertificateMountedByCertManagerIsReloadedWhenItChanges(@TempDir Path directory) throws Exception {
        WebhookCertificates issued = WebhookCertificates.create(List.of(WebhookIT.SERVICE_DNS), Instant.now());
        write(directory, issued);
        SwappableKeyManager keys = new SwappableKeyManager();
        MountedCertificates certificates = new MountedCertificates(directory, keys);
        certificates.refresh();
        try (WebhookServer server = server(keys, Clock.systemUTC())) {
            AdmissionClient apiServer =
                    new AdmissionClient(server.port(), Pem.encode(issued.authorities()), WebhookIT.SERVICE_DNS);
            assertThat(apiServer.send("GET", "/readyz", null).certificate()).isEqualTo(issued.serving());

            Instant later = Instant.now().plus(Duration.ofDays(340));
            WebhookCertificates reissued =
                    issued.renewal(List.of(WebhookIT.SERVICE_DNS), later).orElseThrow();
            write(directory, reissued);
            certificates.refresh();

            AdmissionClient afterRenewal =
                    new AdmissionClient(server.port(), Pem.encode(issued.authorities()), WebhookIT.SERVICE_DNS, later);
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
        return WebhookServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                keys,
                () -> true,
                new PodMutator(
                        new TunnelLookup(client, Fixtures.CLUSTER_DNS),
                        new TunnelEvents(client),
                        INJECTION,
                        WatchedNamespaces.ALL,
                        client.getKubernetesSerialization()),
                client.getKubernetesSerialization(),
                clock,
                new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                WebhookServer.Limits.DEFAULT);
    }

    private static void write(Path directory, WebhookCertificates certificates) throws Exception {
        Files.writeString(directory.resolve("tls.crt"), Pem.encode(List.of(certificates.serving())));
        Files.writeString(directory.resolve("tls.key"), Pem.encode(List.of(certificates.servingKey())));
    }

    private Secret caSecret() {
        return client.secrets()
                .inNamespace("corridor")
                .withName("corridor-webhook-ca")
                .get();
    }

    private Secret servingSecret() {
        return client.secrets()
                .inNamespace("corridor")
                .withName("corridor-webhook-tls")
                .get();
    }

    private String caBundle() {
        return decode(client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("corridor")
                .get()
                .getWebhooks()
                .getFirst()
                .getClientConfig()
                .getCaBundle());
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
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
