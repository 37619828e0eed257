package dev.corridor.sidecar.metrics;

import dev.corridor.sidecar.dns.DnsObserver;
import dev.corridor.sidecar.egress.EgressObserver;
import dev.corridor.sidecar.session.TunnelObserver;
import dev.corridor.sidecar.session.TunnelStatus;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The sidecar's Prometheus registry: the tunnel's metrics, the JVM's and the process's. (Micrometer's
 * ProcessorMetrics is left out: its names break Prometheus conventions, e.g. {@code system_cpu_count}.)
 */
public final class SidecarMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final TunnelEventMetrics events = new TunnelEventMetrics(registry);
    private final DnsMetrics dns = new DnsMetrics(registry);
    private final EgressMetrics egress = new EgressMetrics(registry);
    private volatile TunnelStatusMetrics status;

    public SidecarMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new ProcessMetrics().bindTo(registry);
    }

    /** Where the tunnel reports its events. */
    public TunnelObserver observer() {
        return events;
    }

    /** Where the DNS forwarder reports its queries. */
    public DnsObserver dnsObserver() {
        return dns;
    }

    /** Where the egress listeners report their connections. */
    public EgressObserver egressObserver() {
        return egress;
    }

    /** Adds the metrics read from the tunnel's status at each scrape. */
    public void watch(Supplier<TunnelStatus> source) {
        status = new TunnelStatusMetrics(registry, source);
    }

    /** The Prometheus text exposition of everything, with the tunnel's state as of now. */
    public String scrape() {
        TunnelStatusMetrics current = status;
        if (current != null) {
            current.refresh();
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
