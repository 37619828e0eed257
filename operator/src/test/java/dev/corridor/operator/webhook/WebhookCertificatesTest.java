package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookCertificatesTest {
    private static final List<String> NAMES =
            List.of("corridor-webhook.corridor.svc", "corridor-webhook.corridor.svc.cluster.local");
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void theServingCertificateIsSignedByTheCaForTheServiceNames() throws Exception {
        WebhookCertificates certificates = WebhookCertificates.create(NAMES, NOW);

        X509Certificate ca = certificates.authorities().getFirst();
        certificates.serving().verify(ca.getPublicKey());
        ca.verify(ca.getPublicKey());
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(certificates.serving().getBasicConstraints()).isEqualTo(-1);
        assertThat(certificates.serving().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(certificates.serving().getSubjectAlternativeNames().stream()
                        .map(name -> (String) name.get(1))
                        .toList())
                .isEqualTo(NAMES);
        assertThat(certificates.serving().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        assertThat(certificates.renewal(NAMES, NOW.plus(Duration.ofDays(300)))).isEmpty();
    }

    @Test
    void aServingCertificateNearItsEndIsRenewedUnderTheSameCa() throws Exception {
        WebhookCertificates first = WebhookCertificates.create(NAMES, NOW);
        Instant later = NOW.plus(Duration.ofDays(340));

        WebhookCertificates renewed = first.renewal(NAMES, later).orElseThrow();

        assertThat(renewed.authorities()).isEqualTo(first.authorities());
        assertThat(renewed.serving()).isNotEqualTo(first.serving());
        renewed.serving().verify(first.authorities().getFirst().getPublicKey());
        assertThat(renewed.serving().getNotAfter().toInstant()).isEqualTo(later.plus(Duration.ofDays(365)));
    }

    @Test
    void aNewCaJoinsTheBundleAYearBeforeTheOldOneExpires() throws Exception {
        WebhookCertificates first = WebhookCertificates.create(NAMES, NOW);
        Instant nineYearsOn = NOW.plus(Duration.ofDays(3650 - 300));

        WebhookCertificates rolled = first.renewal(NAMES, nineYearsOn).orElseThrow();

        assertThat(rolled.authorities()).hasSize(2);
        assertThat(rolled.authorities().get(1)).isEqualTo(first.authorities().getFirst());
        rolled.serving().verify(rolled.authorities().getFirst().getPublicKey());
        // Once the old CA has expired, it leaves the bundle.
        WebhookCertificates pruned =
                rolled.renewal(NAMES, NOW.plus(Duration.ofDays(3651))).orElseThrow();
        assertThat(pruned.authorities()).containsExactly(rolled.authorities().getFirst());
    }

    @Test
    void aChangedServiceNameGetsANewServingCertificate() {
        WebhookCertificates first = WebhookCertificates.create(NAMES, NOW);

        WebhookCertificates renamed = first.renewal(List.of("other.corridor.svc"), NOW.plus(Duration.ofDays(1)))
                .orElseThrow();

        assertThat(renamed.authorities()).isEqualTo(first.authorities());
        assertThat(renamed.serving().getSubjectX500Principal().getName()).isEqualTo("CN=other.corridor.svc");
    }

    @Test
    void aServingCertificateThatNoCaOfTheBundleSignedIsReissued() throws Exception {
        WebhookCertificates ours = WebhookCertificates.create(NAMES, NOW);
        WebhookCertificates other = WebhookCertificates.create(NAMES, NOW);
        WebhookCertificates mixed =
                new WebhookCertificates(ours.authorities(), ours.authorityKey(), other.serving(), other.servingKey());

        WebhookCertificates reissued =
                mixed.renewal(NAMES, NOW.plus(Duration.ofDays(1))).orElseThrow();

        assertThat(reissued.authorities()).isEqualTo(ours.authorities());
        reissued.serving().verify(ours.authorities().getFirst().getPublicKey());
    }
}
