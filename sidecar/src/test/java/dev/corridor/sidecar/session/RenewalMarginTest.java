package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RenewalMarginTest {

    @ParameterizedTest(name = "a session timeout of {0} s is renewed {1} s before it strikes")
    @CsvSource({
        "86400, 300", // a day: capped at five minutes
        "3600, 300",
        "600, 60", // a tenth
        "60, 10", // at least ten seconds
        "30, 10",
        "12, 6"
    }) // never more than half
    void aTenthBoundedByTenSecondsFiveMinutesAndHalf(long timeoutSeconds, long marginSeconds) {
        assertThat(Tunnel.renewalMargin(Duration.ofSeconds(timeoutSeconds)))
                .isEqualTo(Duration.ofSeconds(marginSeconds));
    }
}
