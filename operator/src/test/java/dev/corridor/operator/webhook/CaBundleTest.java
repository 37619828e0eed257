package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaBundleTest {
    private static final List<String> NAMES = List.of("corridor-webhook.corridor.svc");
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void theBundleIsTheUnionOfTheValidCasNewestFirstEachOnce() {
        X509Certificate older = WebhookCertificates.create(NAMES, NOW.minus(Duration.ofDays(10)))
                .authorities()
                .getFirst();
        X509Certificate newer =
                WebhookCertificates.create(NAMES, NOW).authorities().getFirst();
        X509Certificate expired = WebhookCertificates.create(NAMES, NOW.minus(Duration.ofDays(3651)))
                .authorities()
                .getFirst();

        assertThat(CaBundle.merged(List.of(older, expired), List.of(newer, older), NOW))
                .containsExactly(newer, older);
        // Another replica's newer CA stays when ours lacks it.
        assertThat(CaBundle.merged(List.of(newer, older), List.of(older), NOW)).containsExactly(newer, older);
        assertThat(CaBundle.merged(List.of(), List.of(older), NOW)).containsExactly(older);
    }
}
