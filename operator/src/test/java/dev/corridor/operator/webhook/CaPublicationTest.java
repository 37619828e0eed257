package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaPublicationTest {
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private final WebhookCertificates ours = WebhookCertificates.create(List.of("corridor-webhook.corridor.svc"), NOW);
    private final WebhookCertificates another =
            WebhookCertificates.create(List.of("corridor-webhook.corridor.svc"), NOW);

    @Test
    void aBundleHoldingTheSigningCaTrustsTheCertificate() {
        assertThat(CaPublication.trusts(configuration(bundle(ours.authorities())), ours.servingCertificate()))
                .isTrue();
        // Beside other CAs too (a rotation in progress).
        assertThat(CaPublication.trusts(
                        configuration(bundle(List.of(
                                another.authorities().getFirst(),
                                ours.authorities().getFirst()))),
                        ours.servingCertificate()))
                .isTrue();
    }

    @Test
    void noBundleAnotherCasBundleOrGarbageDoNot() {
        assertThat(CaPublication.trusts(configuration((String) null), ours.servingCertificate()))
                .isFalse();
        assertThat(CaPublication.trusts(configuration(bundle(another.authorities())), ours.servingCertificate()))
                .isFalse();
        assertThat(CaPublication.trusts(configuration("bm90IHBlbQ=="), ours.servingCertificate()))
                .isFalse();
        assertThat(CaPublication.trusts(null, ours.servingCertificate())).isFalse();
        assertThat(CaPublication.trusts(configuration(bundle(ours.authorities())), null))
                .isFalse();
    }

    @Test
    void everyWebhookOfTheConfigurationMustTrustIt() {
        MutatingWebhookConfiguration configuration = new MutatingWebhookConfigurationBuilder(
                        configuration(bundle(ours.authorities())))
                .addNewWebhook()
                .withName("second.corridor.dev")
                .withNewClientConfig()
                .endClientConfig()
                .endWebhook()
                .build();
        assertThat(CaPublication.trusts(configuration, ours.servingCertificate()))
                .isFalse();
        assertThat(CaPublication.trusts(
                        new MutatingWebhookConfigurationBuilder()
                                .withNewMetadata()
                                .withName("corridor")
                                .endMetadata()
                                .build(),
                        ours.servingCertificate()))
                .isFalse();
    }

    private static String bundle(List<X509Certificate> authorities) {
        return Base64.getEncoder().encodeToString(Pem.encode(authorities).getBytes(StandardCharsets.US_ASCII));
    }

    private static MutatingWebhookConfiguration configuration(String caBundle) {
        return new MutatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName("corridor")
                .endMetadata()
                .addNewWebhook()
                .withName("pods.corridor.dev")
                .withNewClientConfig()
                .withCaBundle(caBundle)
                .endClientConfig()
                .endWebhook()
                .build();
    }
}
