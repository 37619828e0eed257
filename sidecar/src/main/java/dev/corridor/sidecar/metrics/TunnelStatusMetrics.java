package dev.corridor.sidecar.metrics;

import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.session.DropReason;
import dev.corridor.sidecar.session.DtlsState;
import dev.corridor.sidecar.session.Transport;
import dev.corridor.sidecar.session.TunnelState;
import dev.corridor.sidecar.session.TunnelStatus;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The tunnel's state, traffic and session facts, read from one status snapshot taken per scrape ({@link #refresh()}):
 * the data path pays nothing for them. Labels are low-cardinality by construction (channels, directions, reasons and
 * states, never addresses or user names); Prometheus adds the pod's labels (tunnel, namespace) when it scrapes.
 */
final class TunnelStatusMetrics {
    static final String PREFIX = "corridor.tunnel.";

    private final Supplier<TunnelStatus> source;
    private volatile TunnelStatus snapshot;
    private final MultiGauge info;

    TunnelStatusMetrics(MeterRegistry registry, Supplier<TunnelStatus> source) {
        this.source = source;
        Gauge.builder(PREFIX + "up", this, m -> m.snapshot.ready() ? 1 : 0)
                .description("1 while the tunnel carries traffic (session up, routes installed), else 0")
                .register(registry);
        for (TunnelState state : TunnelState.values()) {
            Gauge.builder(PREFIX + "state", this, m -> m.snapshot.state() == state ? 1 : 0)
                    .tag("state", state.label())
                    .description("1 for the tunnel's current state")
                    .register(registry);
        }
        for (DtlsState state : DtlsState.values()) {
            Gauge.builder(
                            PREFIX + "dtls.state",
                            this,
                            m -> m.snapshot.live().dtls().state() == state ? 1 : 0)
                    .tag("state", state.label())
                    .description(
                            "1 for the DTLS channel's current state; down means CSTP carries the data while DTLS is retried")
                    .register(registry);
        }
        info = MultiGauge.builder(PREFIX + "info")
                .description(
                        "1, labelled with the transport carrying data, the DTLS mode, protocol (DTLS0.9, DTLSv1.2) and cipher "
                                + "suite (its OpenConnect name), and the TLS protocol")
                .register(registry);
        Gauge.builder(
                        PREFIX + "tls.forward.secrecy",
                        this,
                        m -> m.snapshot
                                .session()
                                .map(s -> s.tls().forwardSecrecy() ? 1.0 : 0.0)
                                .orElse(Double.NaN))
                .description(
                        "1 when the TLS channel has forward secrecy, 0 when its key exchange is RSA (the gateway offered nothing "
                                + "else; --pfs refuses such gateways); NaN without a session")
                .register(registry);
        for (String channel : List.of("cstp", "dtls")) {
            Function<TunnelStatus, TunnelStatus.ChannelTraffic> traffic = status -> channel.equals("cstp")
                    ? status.traffic().cstp()
                    : status.traffic().dtls();
            trafficCounter(
                    registry,
                    "traffic",
                    "bytes",
                    "Bytes of IP packets carried",
                    channel,
                    "sent",
                    t -> traffic.apply(t).bytesSent());
            trafficCounter(
                    registry,
                    "traffic",
                    "bytes",
                    "Bytes of IP packets carried",
                    channel,
                    "received",
                    t -> traffic.apply(t).bytesReceived());
            trafficCounter(
                    registry,
                    "packets",
                    null,
                    "IP packets carried",
                    channel,
                    "sent",
                    t -> traffic.apply(t).packetsSent());
            trafficCounter(
                    registry,
                    "packets",
                    null,
                    "IP packets carried",
                    channel,
                    "received",
                    t -> traffic.apply(t).packetsReceived());
            for (DropReason reason : DropReason.values()) {
                FunctionCounter.builder(
                                PREFIX + "dropped",
                                this,
                                m -> traffic.apply(m.snapshot).dropped().get(reason))
                        .baseUnit("packets")
                        .tags("channel", channel, "reason", reason.name().toLowerCase(Locale.ROOT))
                        .description("Packets dropped instead of forwarded, by reason")
                        .register(registry);
            }
        }
        FunctionCounter.builder(
                        PREFIX + "outage.dropped",
                        this,
                        m -> m.snapshot.traffic().droppedWhileDown())
                .baseUnit("packets")
                .description(
                        "Packets the pod sent into the tunnel while no session ran: dropped, never sent around the tunnel")
                .register(registry);
        Gauge.builder(
                        PREFIX + "reconnect.attempts",
                        this,
                        m -> m.snapshot
                                .recovery()
                                .map(r -> (double) r.attempts())
                                .orElse(0.0))
                .description(
                        "Attempts to re-establish the session in the current outage, the one under way included; 0 while connected")
                .register(registry);
        FunctionCounter.builder(
                        PREFIX + "oversize.fallback",
                        this,
                        m -> m.snapshot.traffic().oversizeOverCstp())
                .baseUnit("packets")
                .description("Packets sent over CSTP because they did not fit a DTLS record")
                .register(registry);
        Gauge.builder(
                        PREFIX + "connected.timestamp",
                        this,
                        m -> seconds(m.snapshot.session().map(TunnelStatus.Session::connectedSince)))
                .baseUnit("seconds")
                .description("When the current session was established (Unix time); NaN without a session")
                .register(registry);
        Gauge.builder(
                        PREFIX + "client.certificate.expiry.timestamp",
                        this,
                        m -> seconds(m.snapshot.login().certificateExpires()))
                .baseUnit("seconds")
                .description(
                        "When the client certificate the last login presented expires (Unix time); NaN without one")
                .register(registry);
        Gauge.builder(
                        PREFIX + "session.remaining",
                        this,
                        m -> remaining(m.snapshot.session().flatMap(TunnelStatus.Session::expires)))
                .baseUnit("seconds")
                .description("Seconds until the gateway ends the session; NaN where it announced no limit")
                .register(registry);
        Gauge.builder(
                        PREFIX + "idle.remaining",
                        this,
                        m -> remaining(m.snapshot.live().idleExpires()))
                .baseUnit("seconds")
                .description(
                        "Seconds until the gateway's idle timeout ends the session without data; NaN where it announced none")
                .register(registry);
        Gauge.builder(
                        PREFIX + "mtu",
                        this,
                        m -> m.snapshot.ready()
                                ? m.snapshot
                                        .session()
                                        .map(s -> (double) s.mtu())
                                        .orElse(Double.NaN)
                                : Double.NaN)
                .baseUnit("bytes")
                .description("The tun device's MTU; NaN without a session")
                .register(registry);
        refresh();
    }

    /** Takes the snapshot the next scrape reads. */
    void refresh() {
        TunnelStatus current = source.get();
        snapshot = current;
        TunnelStatus.Dtls dtls = current.live().dtls();
        String tlsProtocol = current.session().map(s -> s.tls().protocol()).orElse("");
        info.register(
                List.of(MultiGauge.Row.of(
                        Tags.of(
                                "transport",
                                        current.ready() ? current.transport().label() : Transport.NONE.label(),
                                "dtls_mode",
                                        dtls.mode()
                                                .map(DtlsHandshake.Mode::label)
                                                .orElse("none"),
                                "dtls_protocol",
                                        dtls.protocol()
                                                .map(DtlsCipher.Protocol::label)
                                                .orElse("none"),
                                "dtls_cipher_suite",
                                        dtls.cipher()
                                                .map(DtlsCipher::openConnectName)
                                                .orElse("none"),
                                "tls_protocol", tlsProtocol.isEmpty() ? "none" : tlsProtocol),
                        1)),
                true);
    }

    private void trafficCounter(
            MeterRegistry registry,
            String name,
            String unit,
            String description,
            String channel,
            String direction,
            ToDoubleFunction<TunnelStatus> value) {
        FunctionCounter.builder(PREFIX + name, this, m -> value.applyAsDouble(m.snapshot))
                .baseUnit(unit)
                .tags("channel", channel, "direction", direction)
                .description(description)
                .register(registry);
    }

    private static double seconds(Optional<Instant> instant) {
        return instant.map(i -> i.toEpochMilli() / 1000.0).orElse(Double.NaN);
    }

    private static double remaining(Optional<Instant> instant) {
        return instant.map(i -> Math.max(0, Duration.between(Instant.now(), i).toMillis() / 1000.0))
                .orElse(Double.NaN);
    }
}
