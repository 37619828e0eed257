package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.config.ReconnectPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final ReconnectPolicy POLICY =
            new ReconnectPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void pausesDoubleWithJitterUpToTheMaximum() {
        Backoff backoff = new Backoff(POLICY, new SplittableRandom(7));
        List<Duration> pauses = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pauses.add(backoff.next());
        }
        long[] ceilings = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000};
        for (int i = 0; i < ceilings.length; i++) {
            assertThat(pauses.get(i).toMillis()).as("pause %d", i).isBetween(ceilings[i] / 2, ceilings[i]);
        }
        assertThat(backoff.failures()).isEqualTo(10);
    }

    @Test
    void twoSidecarsDoNotRetryInStep() {
        Backoff first = new Backoff(POLICY, new SplittableRandom(1));
        Backoff second = new Backoff(POLICY, new SplittableRandom(2));
        int same = 0;
        for (int i = 0; i < 8; i++) {
            same += first.next().equals(second.next()) ? 1 : 0;
        }
        assertThat(same).isLessThan(2);
    }

    @Test
    void aResetStartsFromTheMinimumAgain() {
        Backoff backoff = new Backoff(POLICY, new SplittableRandom(3));
        for (int i = 0; i < 6; i++) {
            backoff.next();
        }
        backoff.reset();
        assertThat(backoff.next().toMillis()).isBetween(500L, 1000L);
        assertThat(backoff.failures()).isEqualTo(1);
    }
}
