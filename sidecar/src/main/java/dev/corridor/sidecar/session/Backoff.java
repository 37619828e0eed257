package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.ReconnectPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Pauses between reconnect attempts: doubling from the policy's minimum up to its maximum, each drawn at random
 * from the upper half of its range, so that the sidecars of many pods that lost the same gateway do not return to
 * it in step.
 */
final class Backoff {
    private final ReconnectPolicy policy;
    private final RandomGenerator random;
    private int failures;

    Backoff(ReconnectPolicy policy, RandomGenerator random) {
        this.policy = policy;
        this.random = random;
    }

    /** The pause before the next attempt; each call counts one more failure. */
    Duration next() {
        long ceiling = policy.minDelay().toMillis() << Math.min(failures, 30);
        ceiling = Math.min(ceiling, policy.maxDelay().toMillis());
        failures++;
        return Duration.ofMillis(ceiling / 2 + random.nextLong(ceiling / 2 + 1));
    }

    /** Attempts since the last success. */
    int failures() {
        return failures;
    }

    /** After a session that lasted: start again from the minimum. */
    void reset() {
        failures = 0;
    }
}
