package dev.corridor.operator.metrics;

import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.TunnelStatusModel;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The operator's own metrics: the tunnels as their status reports them, and the webhook's admissions. The Java
 * Operator SDK adds its reconciliation metrics to the same registry.
 *
 * <p>Tunnel figures come from the statuses in the API server, not from this replica's reconciles: every replica
 * (leader or not) reports the same values, and a deleted tunnel's series disappear with it.
 */
public final class OperatorMetrics {
    private static final String SDK_PREFIX = "operator.sdk.";
    private static final List<String> CONDITIONS =
            List.of(TunnelStatusModel.READY, TunnelStatusModel.CONFIG_VALID, TunnelStatusModel.DEGRADED);
    private static final List<String> CONDITION_STATUSES = List.of("True", "False", "Unknown");
    /** Admission latency buckets: the API server's default webhook timeout is 10 s, and most answers take milliseconds. */
    private static final Duration[] ADMISSION_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    /** A tunnel the operator has not reported on yet: no pods counted, every condition Unknown. */
    private static final VpnTunnelStatus NOT_REPORTED = new VpnTunnelStatus(null, null, null, null, null, null, null);

    private record TunnelName(String namespace, String name) {
        Tags tags() {
            return Tags.of("namespace", namespace, "tunnel", name);
        }
    }

    private final PrometheusMeterRegistry registry;
    private final Map<TunnelName, VpnTunnelStatus> statuses = new ConcurrentHashMap<>();
    private final MultiGauge injectedPods;
    private final MultiGauge connectedPods;
    private final MultiGauge tunnelsByCondition;

    public OperatorMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(SDK_PREFIX) && id.getDescription() == null
                        ? new Meter.Id(
                                id.getName(),
                                Tags.of(id.getTagsAsIterable()),
                                id.getBaseUnit(),
                                sdkDescription(id.getName()),
                                id.getType())
                        : id;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        injectedPods = MultiGauge.builder("corridor.operator.tunnel.injected.pods")
                .description("Pods carrying the tunnel's sidecar, as the VpnTunnel's status counts them")
                .register(registry);
        connectedPods = MultiGauge.builder("corridor.operator.tunnel.connected.pods")
                .description("Pods whose sidecar reports the tunnel up, as the VpnTunnel's status counts them")
                .register(registry);
        tunnelsByCondition = MultiGauge.builder("corridor.operator.tunnels")
                .description("VpnTunnels by the status of each condition (Unknown: not reported yet)")
                .register(registry);
        publish();
    }

    /** The Java Operator SDK's reconciliation metrics, per controller (not per resource), in this registry. */
    public Metrics sdkMetrics() {
        return MicrometerMetrics.withoutPerResourceMetrics(registry);
    }

    /** The SDK registers its meters without help text, which Prometheus's conventions (and promtool) require. */
    private static String sdkDescription(String name) {
        if (name.startsWith(SDK_PREFIX + "reconciliations.executions.")) {
            return "Java Operator SDK: reconciliations running now, for the controller the name ends with";
        }
        if (name.startsWith(SDK_PREFIX + "reconciliations.queue.size.")) {
            return "Java Operator SDK: reconciliations waiting, for the controller the name ends with";
        }
        return switch (name) {
            case SDK_PREFIX + "controllers.execution.reconcile" ->
                "Java Operator SDK: time of each reconcile, by controller";
            case SDK_PREFIX + "reconciliations.started" -> "Java Operator SDK: reconciliations started";
            case SDK_PREFIX + "reconciliations.success" -> "Java Operator SDK: reconciliations that succeeded";
            case SDK_PREFIX + "reconciliations.failed" -> "Java Operator SDK: reconciliations that failed";
            case SDK_PREFIX + "events.received" -> "Java Operator SDK: events received from the watched resources";
            default -> "Java Operator SDK: " + name;
        };
    }

    /** A tunnel was added or its status changed. */
    public void tunnelObserved(String namespace, String tunnel, VpnTunnelStatus status) {
        statuses.put(
                new TunnelName(namespace, tunnel), Optional.ofNullable(status).orElse(NOT_REPORTED));
        publish();
    }

    public void tunnelDeleted(String namespace, String tunnel) {
        statuses.remove(new TunnelName(namespace, tunnel));
        publish();
    }

    public void admission(AdmissionOutcome outcome, Duration latency) {
        Timer.builder("corridor.webhook.admission")
                .description("Pod admissions the webhook answered, by outcome")
                .tag("outcome", outcome.label())
                .serviceLevelObjectives(ADMISSION_BUCKETS)
                .register(registry)
                .record(latency);
    }

    /**
     * When the certificate the webhook serves expires, read at each scrape (NaN before one is loaded): the alert that
     * its renewal failed, before the API server refuses the webhook's TLS.
     */
    public void webhookCertificateExpiry(Supplier<Optional<Instant>> expiry) {
        Gauge.builder(
                        "corridor.webhook.certificate.expiry.timestamp",
                        () -> expiry.get()
                                .map(instant -> (Number) instant.getEpochSecond())
                                .orElse(Double.NaN))
                .baseUnit("seconds")
                .strongReference(true)
                .description("When the serving certificate of the operator's webhook expires (Unix time)")
                .register(registry);
    }

    /** The Prometheus text exposition of everything. */
    public String scrape() {
        return registry.scrape();
    }

    private synchronized void publish() {
        List<MultiGauge.Row<?>> injected = new ArrayList<>();
        List<MultiGauge.Row<?>> connected = new ArrayList<>();
        Map<Tags, Integer> byCondition = new LinkedHashMap<>();
        CONDITIONS.forEach(type ->
                CONDITION_STATUSES.forEach(status -> byCondition.put(Tags.of("condition", type, "status", status), 0)));
        statuses.forEach((name, status) -> {
            injected.add(MultiGauge.Row.of(
                    name.tags(), Optional.ofNullable(status.injectedPods()).orElse(0)));
            connected.add(MultiGauge.Row.of(
                    name.tags(), Optional.ofNullable(status.connectedPods()).orElse(0)));
            List<Condition> conditions =
                    Optional.ofNullable(status.conditions()).orElse(List.of());
            for (String type : CONDITIONS) {
                String value = conditions.stream()
                        .filter(c -> type.equals(c.getType()))
                        .map(Condition::getStatus)
                        .filter(CONDITION_STATUSES::contains)
                        .findFirst()
                        .orElse("Unknown");
                byCondition.merge(Tags.of("condition", type, "status", value), 1, Integer::sum);
            }
        });
        injectedPods.register(injected, true);
        connectedPods.register(connected, true);
        tunnelsByCondition.register(
                byCondition.entrySet().stream()
                        .<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(e.getKey(), e.getValue()))
                        .toList(),
                true);
    }
}
