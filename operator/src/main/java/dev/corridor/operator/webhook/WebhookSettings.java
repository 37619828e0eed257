package dev.corridor.operator.webhook;

import java.nio.file.Path;

/**
 * How the admission webhook is served.
 *
 * @param secretName        where the serving certificate is kept (GENERATE) or mounted from (FILES)
 * @param caSecretName      where the CA that signs it is kept, apart from it (GENERATE)
 * @param serviceName       the Service in front of the webhook: the serving certificate names it
 * @param configurationName the MutatingWebhookConfiguration whose caBundle the operator keeps current (GENERATE)
 * @param certificateDirectory where {@code tls.crt} and {@code tls.key} are mounted (FILES)
 */
public record WebhookSettings(
        int port,
        CertificateSource certificates,
        String secretName,
        String caSecretName,
        String serviceName,
        String configurationName,
        Path certificateDirectory) {

    public enum CertificateSource {
        /** The operator makes a CA and a serving certificate, keeps them in a Secret and renews them. */
        GENERATE,
        /** Someone else (cert-manager) provides them as mounted files. */
        FILES
    }
}
