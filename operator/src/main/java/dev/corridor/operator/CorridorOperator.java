package dev.corridor.operator;

import dev.corridor.operator.metrics.MetricsServer;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.metrics.TunnelMetricsFeed;
import dev.corridor.operator.reconciler.SidecarProbe;
import dev.corridor.operator.reconciler.VpnTunnelReconciler;
import dev.corridor.operator.webhook.Webhook;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: the admission webhook on every replica, and the VpnTunnel reconciler on the elected leader.
 * Configured from the environment ({@link OperatorSettings}); the Helm chart sets it.
 */
public final class CorridorOperator {
    private static final Logger LOG = LoggerFactory.getLogger(CorridorOperator.class);
    /** How long a sidecar's /status may take, all of it, before the pod is judged by its readiness alone. */
    private static final Duration SIDECAR_TIMEOUT = Duration.ofSeconds(2);

    private CorridorOperator() {}

    public static void main(String[] args) throws Exception {
        OperatorSettings settings;
        try {
            settings = OperatorSettings.fromEnvironment(System.getenv());
        } catch (OperatorSettings.InvalidSettingException e) {
            System.err.println("corridor-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(settings);
        } catch (Exception e) {
            // The client's threads would keep a half-started process alive; a clean exit lets Kubernetes restart it.
            LOG.error("corridor-operator could not start", e);
            System.exit(1);
        }
    }

    private static void run(OperatorSettings settings) throws Exception {
        Clock clock = Clock.systemUTC();
        KubernetesClient client = new KubernetesClientBuilder().build();
        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        MetricsServer metricsServer = MetricsServer.start(new InetSocketAddress(settings.metricsPort()), metrics);
        TunnelMetricsFeed tunnels = TunnelMetricsFeed.start(client, metrics, settings.watchNamespaces());
        Webhook webhook = Webhook.start(
                client,
                settings.namespace(),
                settings.webhook(),
                settings.injection(),
                settings.clusterDns(),
                settings.watchNamespaces(),
                clock,
                metrics);
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withMetrics(metrics.sdkMetrics())
                .withLeaderElectionConfiguration(
                        new LeaderElectionConfiguration(settings.leaseName(), settings.namespace())));
        new VpnTunnelReconciler(
                        client,
                        settings.clusterDns(),
                        new SidecarProbe(settings.injection(), SIDECAR_TIMEOUT, clock),
                        clock,
                        VpnTunnelReconciler.RESYNC)
                .registerWith(operator, settings.watchNamespaces());
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            operator.stop();
            webhook.close();
            tunnels.close();
            metricsServer.close();
        }));
        operator.start();
        LOG.info(
                "corridor-operator started in namespace {}: webhook on port {}, metrics on port {}; reconciles the VpnTunnels of {} while it holds lease {}",
                settings.namespace(),
                webhook.port(),
                metricsServer.port(),
                settings.watchNamespaces(),
                settings.leaseName());
    }
}
