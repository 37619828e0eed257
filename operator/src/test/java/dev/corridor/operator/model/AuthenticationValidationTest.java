package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.FormEntry;
import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.SpecValidation.Problem;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.webhook.Pem;
import dev.corridor.operator.webhook.WebhookCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** spec.authentication's other ways to log in, judged against their Secrets before any pod starts. */
class AuthenticationValidationTest {
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    static final String SEED = "base32:JBSWY3DPEHPK3PXP";
    private static final WebhookCertificates ISSUED =
            WebhookCertificates.create(List.of("alice.corp.example.com"), NOW.minus(Duration.ofDays(1)));

    /** A kubernetes.io/tls Secret's data as cert-manager writes it. */
    static Map<String, byte[]> tls(WebhookCertificates issued) {
        return Map.of(
                "tls.crt",
                bytes(Pem.encode(List.of(issued.serving()))),
                "tls.key",
                bytes(Pem.encode(List.of(issued.servingKey()))),
                "ca.crt",
                bytes(Pem.encode(issued.authorities())));
    }

    @Test
    void everythingNamedAndWellFormedIsValid() {
        Map<String, Map<String, byte[]>> secrets = Map.of(
                "otp",
                Map.of("seed", bytes(SEED)),
                "machine",
                tls(ISSUED),
                "user",
                tls(ISSUED),
                "sso",
                Map.of("cookie", bytes("webvpn=ABCDEF")));

        assertThat(AuthenticationValidation.validate(
                        authentication(
                                new OneTimePassword(null, new SecretKeyReference("otp", "seed")),
                                new TlsSecretReference("machine"),
                                new TlsSecretReference("user"),
                                new SecretKeyReference("sso", "cookie")),
                        name -> Optional.ofNullable(secrets.get(name)),
                        NOW))
                .isEmpty();
        for (String seed : List.of(
                "otpauth://totp/Corp:alice?secret=JBSWY3DPEHPK3PXP&digits=8&period=60&algorithm=SHA256",
                "0x3132333435",
                "12345678")) {
            assertThat(AuthenticationValidation.validate(
                            authentication(
                                    new OneTimePassword("totp", new SecretKeyReference("otp", "seed")),
                                    null,
                                    null,
                                    null),
                            name -> Optional.of(Map.of("seed", bytes(seed))),
                            NOW))
                    .as(seed)
                    .isEmpty();
        }
    }

    @Test
    void eachMissingSecretOrKeyIsNamedWithItsField() {
        Map<String, Map<String, byte[]>> secrets = Map.of(
                "otp",
                Map.of("other", bytes(SEED)),
                "machine",
                Map.of("tls.crt", tls(ISSUED).get("tls.crt")));

        assertThat(AuthenticationValidation.validate(
                        authentication(
                                new OneTimePassword(null, new SecretKeyReference("otp", "seed")),
                                new TlsSecretReference("machine"),
                                new TlsSecretReference("user"),
                                new SecretKeyReference("sso", "cookie")),
                        name -> Optional.ofNullable(secrets.get(name)),
                        NOW))
                .containsExactly(
                        new Problem(
                                "SecretKeyMissing",
                                "Secret 'otp' has no key 'seed' (spec.authentication.totp.secretRef)"),
                        new Problem(
                                "SecretKeyMissing",
                                "Secret 'machine' has no key 'tls.key' (spec.authentication.clientCertificate)"),
                        new Problem(
                                "SecretNotFound", "Secret 'user' (spec.authentication.mcaCertificate) does not exist"),
                        new Problem(
                                "SecretNotFound", "Secret 'sso' (spec.authentication.cookieSecretRef) does not exist"));
    }

    @Test
    void anUnparseableSeedOrCertificateIsSaidWithoutShowingIt() {
        Map<String, Map<String, byte[]>> secrets = Map.of(
                "otp",
                Map.of("seed", bytes("base32:NOT*BASE32-SEKRIT")),
                "machine",
                Map.of(
                        "tls.crt",
                        bytes("-----BEGIN CERTIFICATE-----\nnot base64 SEKRIT\n-----END CERTIFICATE-----\n"),
                        "tls.key",
                        bytes("SEKRIT")),
                "sso",
                Map.of("cookie", bytes(" \n")));

        List<Problem> problems = AuthenticationValidation.validate(
                authentication(
                        new OneTimePassword(null, new SecretKeyReference("otp", "seed")),
                        new TlsSecretReference("machine"),
                        null,
                        new SecretKeyReference("sso", "cookie")),
                name -> Optional.ofNullable(secrets.get(name)),
                NOW);

        assertThat(problems)
                .extracting(Problem::reason)
                .containsExactly(
                        "InvalidTotpSeed", "InvalidClientCertificate", "InvalidClientCertificate", "EmptyCookie");
        assertThat(problems.get(0).message())
                .startsWith("key 'seed' of Secret 'otp' (spec.authentication.totp) is not a seed: ");
        assertThat(problems.get(1).message())
                .startsWith(
                        "tls.crt of Secret 'machine' (spec.authentication.clientCertificate) is not a PEM certificate");
        assertThat(problems.get(2).message())
                .isEqualTo("tls.key of Secret 'machine' (spec.authentication.clientCertificate) is not an "
                        + "unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)");
        assertThat(problems)
                .allSatisfy(problem -> assertThat(problem.message()).doesNotContain("SEKRIT", "NOT*BASE32"));
    }

    @Test
    void anExpiredCertificateIsSaidWithItsDate() {
        WebhookCertificates old =
                WebhookCertificates.create(List.of("alice.corp.example.com"), NOW.minus(Duration.ofDays(800)));

        assertThat(AuthenticationValidation.validate(
                        authentication(null, new TlsSecretReference("machine"), null, null),
                        name -> Optional.of(tls(old)),
                        NOW))
                .singleElement()
                .satisfies(problem -> {
                    assertThat(problem.reason()).isEqualTo("ClientCertificateExpired");
                    assertThat(problem.message())
                            .startsWith(
                                    "the certificate in Secret 'machine' (spec.authentication.clientCertificate) expired on ");
                });
    }

    @Test
    void theSpecAloneSaysWhatTheSchemaSaysForOlderObjects() {
        VpnTunnelSpec.Authentication userWithoutMachine = new VpnTunnelSpec.Authentication(
                null,
                null,
                new OneTimePassword("sms", new SecretKeyReference("otp", "seed")),
                null,
                new TlsSecretReference("user"),
                null,
                List.of(new FormEntry("main", "group_list", "Engineering"), new FormEntry("main", "bad:field", "x")));

        assertThat(SpecValidation.validate(spec(userWithoutMachine), Optional.empty(), Optional.empty()))
                .extracting(Problem::reason)
                .containsExactly(
                        "CredentialsMissing", "InvalidAuthentication", "InvalidAuthentication", "InvalidFormEntry");
        VpnTunnelSpec.Authentication cookieAndLogin = new VpnTunnelSpec.Authentication(
                new VpnTunnelSpec.SecretReference("login", null, null),
                null,
                null,
                null,
                null,
                new SecretKeyReference("sso", "cookie"),
                null);
        assertThat(SpecValidation.validate(
                        spec(cookieAndLogin), Optional.of(Set.of("username", "password")), Optional.empty()))
                .as("the sidecar refuses cookieFile with passwordFile")
                .singleElement()
                .extracting(Problem::message)
                .isEqualTo(
                        "spec.authentication.cookieSecretRef replaces the login: it takes neither secretRef nor totp");
        VpnTunnelSpec.Authentication certificateOnly =
                authentication(null, new TlsSecretReference("machine"), null, null);
        assertThat(SpecValidation.validate(spec(certificateOnly), Optional.empty(), Optional.empty()))
                .as("a certificate needs no password")
                .isEmpty();
        assertThat(SpecValidation.validate(
                        spec(authentication(null, null, null, new SecretKeyReference("sso", "cookie"))),
                        Optional.empty(),
                        Optional.of(Set.of())))
                .as("nor does a cookie")
                .isEmpty();
    }

    static VpnTunnelSpec.Authentication authentication(
            OneTimePassword totp, TlsSecretReference certificate, TlsSecretReference mca, SecretKeyReference cookie) {
        return new VpnTunnelSpec.Authentication(null, null, totp, certificate, mca, cookie, null);
    }

    static VpnTunnelSpec spec(VpnTunnelSpec.Authentication authentication) {
        VpnTunnelSpec spec = Fixtures.tunnel("corp", "login").getSpec();
        return new VpnTunnelSpec(spec.gateway(), spec.trust(), authentication, spec.routes(), null, null, null, null);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
