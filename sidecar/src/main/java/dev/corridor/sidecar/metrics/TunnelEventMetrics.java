package dev.corridor.sidecar.metrics;

import dev.corridor.sidecar.session.SessionEnd;
import dev.corridor.sidecar.session.TunnelObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** Counters and timers fed by the tunnel's events as they happen, every label value registered up front. */
final class TunnelEventMetrics implements TunnelObserver {
    private static final String PREFIX = TunnelStatusMetrics.PREFIX;
    /** From a LAN round trip to an intercontinental one, and the DPD timeouts beyond. */
    private static final Duration[] ROUND_TRIP_BUCKETS =
            durations(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000);
    /** A TLS handshake on a LAN up to a login that waits on a slow second factor. */
    private static final Duration[] HANDSHAKE_BUCKETS =
            durations(10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000);

    private final Map<Phase, Timer> handshakes = new EnumMap<>(Phase.class);
    private final Map<LoginOutcome, Counter> logins = new EnumMap<>(LoginOutcome.class);
    private final Map<Channel, Timer> roundTrips = new EnumMap<>(Channel.class);
    private final Map<Channel, Counter> dpdTimeouts = new EnumMap<>(Channel.class);
    private final Map<SessionEnd.Cause, Counter> reconnects = new EnumMap<>(SessionEnd.Cause.class);

    TunnelEventMetrics(MeterRegistry registry) {
        for (SessionEnd.Cause cause : SessionEnd.Cause.values()) {
            if (cause != SessionEnd.Cause.STOPPED) {
                reconnects.put(
                        cause,
                        Counter.builder(PREFIX + "reconnects")
                                .tag("reason", label(cause))
                                .description("Sessions lost and set out to re-establish, by why they ended")
                                .register(registry));
            }
        }
        for (Phase phase : Phase.values()) {
            handshakes.put(
                    phase,
                    Timer.builder(PREFIX + "handshake")
                            .tag("phase", label(phase))
                            .serviceLevelObjectives(HANDSHAKE_BUCKETS)
                            .description("How long each step of establishing a session took")
                            .register(registry));
        }
        for (LoginOutcome outcome : LoginOutcome.values()) {
            logins.put(
                    outcome,
                    Counter.builder(PREFIX + "authentications")
                            .tag("outcome", label(outcome))
                            .description(
                                    "Logins by outcome: success, rejected (the gateway refused the credentials) or failed")
                            .register(registry));
        }
        for (Channel channel : Channel.values()) {
            roundTrips.put(
                    channel,
                    Timer.builder(PREFIX + "dpd.round.trip")
                            .tag("channel", label(channel))
                            .serviceLevelObjectives(ROUND_TRIP_BUCKETS)
                            .description("Dead-peer-detection round trips to the gateway")
                            .register(registry));
            dpdTimeouts.put(
                    channel,
                    Counter.builder(PREFIX + "dpd.timeouts")
                            .tag("channel", label(channel))
                            .description("Channels given up because the gateway stopped answering")
                            .register(registry));
        }
    }

    @Override
    public void sessionLost(SessionEnd.Cause cause) {
        reconnects.get(cause).increment();
    }

    @Override
    public void phaseCompleted(Phase phase, Duration took) {
        handshakes.get(phase).record(took);
    }

    @Override
    public void login(LoginOutcome outcome) {
        logins.get(outcome).increment();
    }

    @Override
    public void dpdAnswered(Channel channel, Duration roundTrip) {
        roundTrips.get(channel).record(roundTrip);
    }

    @Override
    public void dpdTimedOut(Channel channel) {
        dpdTimeouts.get(channel).increment();
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static Duration[] durations(long... millis) {
        Duration[] durations = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            durations[i] = Duration.ofMillis(millis[i]);
        }
        return durations;
    }
}
