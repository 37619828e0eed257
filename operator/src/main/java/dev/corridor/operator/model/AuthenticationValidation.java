package dev.corridor.operator.model;

import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.SpecValidation.Problem;
import dev.corridor.operator.webhook.Pem;
import dev.corridor.sidecar.token.TokenSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks what spec.authentication names beyond the credentials against the Secrets' content, as the sidecar will
 * read it: the one-time-password seed with the sidecar's own parser, the client certificates as PEM. Pure: the caller
 * looks the Secrets up. Problems name the field, the Secret and the key, never what the key holds.
 */
public final class AuthenticationValidation {
    private AuthenticationValidation() {}

    /** @param secrets a Secret's data (decoded) by name, or empty when it does not exist */
    public static List<Problem> validate(
            VpnTunnelSpec.Authentication authentication,
            Function<String, Optional<Map<String, byte[]>>> secrets,
            Instant now) {
        List<Problem> problems = new ArrayList<>();
        if (authentication == null) {
            return problems;
        }
        if (authentication.totp() != null) {
            value("spec.authentication.totp.secretRef", authentication.totp().secretRef(), secrets, problems)
                    .ifPresent(seed -> {
                        try {
                            TokenSecret.parse(new String(seed, StandardCharsets.UTF_8));
                        } catch (IllegalArgumentException e) {
                            problems.add(new Problem(
                                    "InvalidTotpSeed",
                                    "key '" + authentication.totp().secretRef().key() + "' of Secret '"
                                            + authentication.totp().secretRef().name()
                                            + "' (spec.authentication.totp) is not a seed: " + e.getMessage()
                                            + "; expected base32:..., 0xHEX, an otpauth:// URI or the seed's text"));
                        }
                    });
        }
        certificate(
                "spec.authentication.clientCertificate", authentication.clientCertificate(), secrets, now, problems);
        certificate("spec.authentication.mcaCertificate", authentication.mcaCertificate(), secrets, now, problems);
        if (authentication.cookieSecretRef() != null) {
            value("spec.authentication.cookieSecretRef", authentication.cookieSecretRef(), secrets, problems)
                    .filter(cookie -> new String(cookie, StandardCharsets.UTF_8).isBlank())
                    .ifPresent(cookie -> problems.add(new Problem(
                            "EmptyCookie",
                            "key '" + authentication.cookieSecretRef().key() + "' of Secret '"
                                    + authentication.cookieSecretRef().name()
                                    + "' (spec.authentication.cookieSecretRef) is empty")));
        }
        return problems;
    }

    private static Optional<byte[]> value(
            String field,
            SecretKeyReference reference,
            Function<String, Optional<Map<String, byte[]>>> secrets,
            List<Problem> problems) {
        Optional<Map<String, byte[]>> data = secrets.apply(reference.name());
        if (data.isEmpty()) {
            problems.add(
                    new Problem("SecretNotFound", "Secret '" + reference.name() + "' (" + field + ") does not exist"));
            return Optional.empty();
        }
        byte[] value = data.get().get(reference.key());
        if (value == null) {
            problems.add(new Problem(
                    "SecretKeyMissing",
                    "Secret '" + reference.name() + "' has no key '" + reference.key() + "' (" + field + ")"));
        }
        return Optional.ofNullable(value);
    }

    /** A kubernetes.io/tls Secret whose tls.crt is a PEM certificate in its validity period and whose tls.key is an unencrypted PEM key. */
    private static void certificate(
            String field,
            TlsSecretReference reference,
            Function<String, Optional<Map<String, byte[]>>> secrets,
            Instant now,
            List<Problem> problems) {
        if (reference == null) {
            return;
        }
        String name = reference.secretName();
        Optional<byte[]> certificate =
                value(field, new SecretKeyReference(name, TlsSecretReference.CERTIFICATE_KEY), secrets, problems);
        if (certificate.isEmpty()) {
            return; // a missing Secret is said once; a missing tls.crt is said, and tls.key is checked too
        }
        try {
            X509Certificate first = Pem.certificates(new String(certificate.get(), StandardCharsets.UTF_8))
                    .getFirst();
            if (first.getNotAfter().toInstant().isBefore(now)) {
                problems.add(new Problem(
                        "ClientCertificateExpired",
                        "the certificate in Secret '" + name + "' (" + field + ") expired on "
                                + first.getNotAfter().toInstant()));
            } else if (first.getNotBefore().toInstant().isAfter(now)) {
                problems.add(new Problem(
                        "ClientCertificateNotYetValid",
                        "the certificate in Secret '" + name + "' (" + field + ") is valid from "
                                + first.getNotBefore().toInstant()));
            }
        } catch (IOException | RuntimeException e) {
            problems.add(new Problem(
                    "InvalidClientCertificate",
                    "tls.crt of Secret '" + name + "' (" + field + ") is not a PEM certificate: " + e.getMessage()));
        }
        value(field, new SecretKeyReference(name, TlsSecretReference.PRIVATE_KEY_KEY), secrets, problems)
                .ifPresent(key -> {
                    try {
                        Pem.privateKey(new String(key, StandardCharsets.UTF_8));
                    } catch (IOException | RuntimeException e) {
                        // Bouncy Castle's messages name the structure, never the key's bytes.
                        problems.add(new Problem(
                                "InvalidClientCertificate",
                                "tls.key of Secret '" + name + "' (" + field
                                        + ") is not an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)"));
                    }
                });
    }
}
