package dev.corridor.sidecar.config;

import java.time.Duration;

/**
 * How a lost session is re-established: attempts spaced from {@code minDelay}, doubling with jitter up to
 * {@code maxDelay}, given up after {@code timeout} without a session (zero: never).
 */
public record ReconnectPolicy(Duration timeout, Duration minDelay, Duration maxDelay) {
    public static final ReconnectPolicy DEFAULT =
            new ReconnectPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(60));

    public ReconnectPolicy {
        if (timeout.isNegative() || minDelay.isNegative() || minDelay.isZero() || maxDelay.compareTo(minDelay) < 0) {
            throw new IllegalArgumentException("reconnect delays must be positive, the maximum at least the minimum");
        }
    }
}
