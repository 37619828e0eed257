package dev.corridor.sidecar.metrics;

import dev.corridor.sidecar.dns.DnsObserver;
import dev.corridor.sidecar.dns.DnsRoutes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The DNS forwarder's metrics: queries by route and response code, how long answers took, cache hits. */
final class DnsMetrics implements DnsObserver {
    private static final String PREFIX = "corridor.dns.";
    /** From a cache hit on loopback to a slow corporate server across a WAN. */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(5),
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2)
    };

    private final MeterRegistry registry;
    private final Counter cacheHits;
    /** The timers made so far, so that a query finds its own without building and registering one again. */
    private final Map<DnsRoutes.Route, Map<String, Timer>> timers = new EnumMap<>(DnsRoutes.Route.class);

    DnsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.cacheHits = Counter.builder(PREFIX + "cache.hits")
                .description("Queries answered from the forwarder's cache")
                .register(registry);
        // The common series exist from the start, so rates are never missing.
        for (DnsRoutes.Route route : DnsRoutes.Route.values()) {
            Map<String, Timer> byRcode = new ConcurrentHashMap<>();
            byRcode.put("NOERROR", timer(route, "NOERROR"));
            timers.put(route, byRcode);
        }
    }

    @Override
    public void answered(DnsRoutes.Route route, String rcode, Duration took) {
        timers.get(route).computeIfAbsent(rcode, code -> timer(route, code)).record(took);
    }

    @Override
    public void cacheHit() {
        cacheHits.increment();
    }

    private Timer timer(DnsRoutes.Route route, String rcode) {
        return Timer.builder(PREFIX + "queries")
                .tags("route", route.label(), "rcode", rcode)
                .description(
                        "DNS queries answered, by where they went (tunnel: the corporate servers; upstream: the cluster's) "
                                + "and response code; their latency")
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
