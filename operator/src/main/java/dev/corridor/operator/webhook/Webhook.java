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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admission webhook, assembled: its certificate source, kept fresh, and the HTTPS server. */
public final class Webhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
    /** Short enough that a webhook configuration installed after the operator starts gets its caBundle soon. */
    static final Duration REFRESH = Duration.ofSeconds(30);

    private final WebhookServer server;
    private final ScheduledExecutorService refresher;

    private Webhook(WebhookServer server, ScheduledExecutorService refresher) {
        this.server = server;
        this.refresher = refresher;
    }

    /** Loads (or makes) the certificate first, so a broken certificate source stops the operator at startup. */
    public static Webhook start(KubernetesClient client, String namespace, WebhookSettings settings, InjectionSettings injection,
                                ClusterDns clusterDns, WatchedNamespaces namespaces, Clock clock, OperatorMetrics metrics) throws Exception {
        SwappableKeyManager keyManager = new SwappableKeyManager();
        CertificateSource certificates = switch (settings.certificates()) {
            case GENERATE -> new GeneratedCertificates(client, namespace, settings, keyManager, clock);
            case FILES -> new MountedCertificates(settings.certificateDirectory(), keyManager);
        };
        certificates.refresh();
        WebhookServer server = WebhookServer.start(new InetSocketAddress(settings.port()), keyManager,
                new PodMutator(new TunnelLookup(client, clusterDns), new TunnelEvents(client), injection, namespaces, client.getKubernetesSerialization()),
                client.getKubernetesSerialization(), clock, metrics,
                WebhookServer.Limits.DEFAULT);
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("webhook-certificates").factory());
        refresher.scheduleWithFixedDelay(() -> {
            try {
                certificates.refresh();
            } catch (Exception e) {
                LOG.warn("could not refresh the webhook certificate (the current one stays in use): {}", e.toString());
            }
        }, REFRESH.toSeconds(), REFRESH.toSeconds(), TimeUnit.SECONDS);
        return new Webhook(server, refresher);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        server.close();
    }
}
