package dev.corridor.operator.webhook;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.reconciler.TunnelEvents;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission webhook, assembled: its certificate source, kept fresh, the check that the webhook configuration
 * trusts the certificate (readiness), and the HTTPS server, whose admissions read the API server through a client
 * of their own ({@link AdmissionApiClient}).
 */
public final class Webhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
    /** Short enough that a webhook configuration installed after the operator starts gets its caBundle soon. */
    static final Duration REFRESH = Duration.ofSeconds(30);
    /**
     * How soon a replica that is not ready looks again: the webhook configuration may be created after the operator
     * (Helm creates it last), or cert-manager may not have injected the CA yet, and {@code helm install --wait} waits.
     */
    static final Duration NOT_READY_RECHECK = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final WebhookSettings settings;
    private final CertificateSource certificates;
    private final SwappableKeyManager keyManager;
    private final AtomicBoolean caPublished = new AtomicBoolean();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("webhook-certificates").factory());
    private final KubernetesClient admissionClient;
    private WebhookServer server;

    private Webhook(
            KubernetesClient client,
            WebhookSettings settings,
            CertificateSource certificates,
            SwappableKeyManager keyManager) {
        this.client = client;
        this.settings = settings;
        this.certificates = certificates;
        this.keyManager = keyManager;
        this.admissionClient = AdmissionApiClient.derivedFrom(client);
    }

    /** Loads (or makes) the certificate first, so a broken certificate source stops the operator at startup. */
    public static Webhook start(
            KubernetesClient client,
            String namespace,
            WebhookSettings settings,
            InjectionSettings injection,
            ClusterDns clusterDns,
            WatchedNamespaces namespaces,
            Clock clock,
            OperatorMetrics metrics)
            throws Exception {
        SwappableKeyManager keyManager = new SwappableKeyManager();
        CertificateSource certificates = switch (settings.certificates()) {
            case GENERATE -> new GeneratedCertificates(client, namespace, settings, keyManager, clock);
            case FILES -> new MountedCertificates(settings.certificateDirectory(), keyManager);
        };
        certificates.refresh();
        Webhook webhook = new Webhook(client, settings, certificates, keyManager);
        metrics.webhookCertificateExpiry(() -> Optional.ofNullable(keyManager.current())
                .map(serving -> serving.chain().getFirst().getNotAfter().toInstant()));
        webhook.checkPublication();
        webhook.server = WebhookServer.start(
                new InetSocketAddress(settings.port()),
                keyManager,
                webhook.caPublished::get,
                new PodMutator(
                        new TunnelLookup(webhook.admissionClient, clusterDns),
                        new TunnelEvents(webhook.admissionClient),
                        injection,
                        namespaces,
                        client.getKubernetesSerialization()),
                client.getKubernetesSerialization(),
                clock,
                metrics,
                WebhookServer.Limits.DEFAULT);
        webhook.refreshIn(webhook.caPublished.get() ? REFRESH : NOT_READY_RECHECK);
        return webhook;
    }

    private void refreshIn(Duration delay) {
        refresher.schedule(
                () -> {
                    try {
                        certificates.refresh();
                    } catch (Exception e) {
                        LOG.warn(
                                "could not refresh the webhook certificate (the current one stays in use): {}",
                                e.toString());
                    }
                    checkPublication();
                    refreshIn(caPublished.get() ? REFRESH : NOT_READY_RECHECK);
                },
                delay.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Reads the webhook configuration; on an error the last answer stands, so that one failed read does not flap readiness. */
    private void checkPublication() {
        boolean trusted;
        try {
            trusted = CaPublication.trusts(
                    client.admissionRegistration()
                            .v1()
                            .mutatingWebhookConfigurations()
                            .withName(settings.configurationName())
                            .get(),
                    keyManager.current());
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not read MutatingWebhookConfiguration {} (readiness stays as it was): {}",
                    settings.configurationName(),
                    e.toString());
            return;
        }
        if (trusted != caPublished.getAndSet(trusted)) {
            if (trusted) {
                LOG.info(
                        "MutatingWebhookConfiguration {} trusts the serving certificate: ready",
                        settings.configurationName());
            } else {
                LOG.warn(
                        "MutatingWebhookConfiguration {} does not trust the serving certificate (yet): not ready",
                        settings.configurationName());
            }
        }
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        if (server != null) {
            server.close();
        }
        admissionClient.close();
    }
}
