package dev.corridor.operator.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Whether the API server would accept what a replica serves: every webhook of the configuration has a caBundle that
 * verifies the serving certificate. Until then a replica is not ready, so that the Service sends it no admission the
 * API server would fail on TLS (with {@code failurePolicy: Fail}, a refused pod).
 */
final class CaPublication {
    private CaPublication() {}

    /** True when the configuration exists and each of its webhooks' caBundle holds a CA that signed this certificate. */
    static boolean trusts(MutatingWebhookConfiguration configuration, ServingCertificate serving) {
        if (configuration == null || serving == null) {
            return false;
        }
        List<MutatingWebhook> webhooks =
                Optional.ofNullable(configuration.getWebhooks()).orElse(List.of());
        X509Certificate top = serving.chain().getLast();
        return !webhooks.isEmpty()
                && webhooks.stream().allMatch(webhook -> {
                    try {
                        return bundle(webhook).stream().anyMatch(ca -> ca.equals(top) || signed(top, ca));
                    } catch (IOException | IllegalArgumentException e) {
                        return false;
                    }
                });
    }

    /**
     * The CAs a webhook's caBundle holds; none when it is empty.
     *
     * @throws IOException or IllegalArgumentException when it is not a base64 PEM bundle
     */
    static List<X509Certificate> bundle(MutatingWebhook webhook) throws IOException {
        String base64 = webhook.getClientConfig() == null
                ? null
                : webhook.getClientConfig().getCaBundle();
        if (base64 == null || base64.isEmpty()) {
            return List.of();
        }
        return Pem.certificates(new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII));
    }

    private static boolean signed(X509Certificate certificate, X509Certificate authority) {
        try {
            certificate.verify(authority.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
