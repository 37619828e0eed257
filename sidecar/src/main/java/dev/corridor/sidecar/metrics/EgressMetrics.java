package dev.corridor.sidecar.metrics;

import dev.corridor.sidecar.egress.Direction;
import dev.corridor.sidecar.egress.EgressObserver;
import dev.corridor.sidecar.egress.Flow;
import dev.corridor.sidecar.egress.Listener;
import dev.corridor.sidecar.egress.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The egress listeners' metrics, labelled by listener (its protocol and listen address, both configured, so
 * bounded): connections by outcome, bytes each way as they move, connections open now.
 */
final class EgressMetrics implements EgressObserver {
    private static final String PREFIX = "corridor.egress.";

    private final MeterRegistry registry;
    private final Map<Listener, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<Listener, Counter[]> bytes = new ConcurrentHashMap<>();
    private final Map<Listener, Counter[]> closed = new ConcurrentHashMap<>();

    EgressMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void opened(Listener listener) {
        open.computeIfAbsent(listener, this::openGauge).incrementAndGet();
    }

    @Override
    public void transferred(Listener listener, Direction direction, long count) {
        bytes.computeIfAbsent(listener, this::byteCounters)[direction.ordinal()].increment(count);
    }

    @Override
    public void closed(Flow flow) {
        closed
                .computeIfAbsent(flow.listener(), this::connectionCounters)[
                flow.outcome().ordinal()].increment();
        open.computeIfAbsent(flow.listener(), this::openGauge).decrementAndGet();
    }

    private AtomicInteger openGauge(Listener listener) {
        AtomicInteger value = new AtomicInteger();
        Gauge.builder(PREFIX + "connections.open", value, AtomicInteger::get)
                .tags(
                        "listener",
                        listener.label(),
                        "protocol",
                        listener.protocol().label())
                .description("Client connections open now")
                .register(registry);
        return value;
    }

    private Counter[] byteCounters(Listener listener) {
        Counter[] counters = new Counter[Direction.values().length];
        for (Direction direction : Direction.values()) {
            counters[direction.ordinal()] = Counter.builder(PREFIX + "bytes")
                    .baseUnit("bytes")
                    .tags(
                            "listener",
                            listener.label(),
                            "protocol",
                            listener.protocol().label(),
                            "direction",
                            direction.label())
                    .description("Bytes on client connections: from_client (towards destinations) and to_client")
                    .register(registry);
        }
        return counters;
    }

    /** Every outcome from the first connection on, so that rates of failures are never missing. */
    private Counter[] connectionCounters(Listener listener) {
        Counter[] counters = new Counter[Outcome.values().length];
        for (Outcome outcome : Outcome.values()) {
            counters[outcome.ordinal()] = Counter.builder(PREFIX + "connections")
                    .tags(
                            "listener",
                            listener.label(),
                            "protocol",
                            listener.protocol().label(),
                            "outcome",
                            outcome.label())
                    .description("Client connections closed, by outcome (completed, or why they were refused or ended)")
                    .register(registry);
        }
        return counters;
    }
}
