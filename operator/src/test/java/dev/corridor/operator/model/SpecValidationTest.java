package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidationTest {
    private static final Optional<Set<String>> CREDENTIALS = Optional.of(Set.of("username", "password"));

    @Test
    void aTypicalTunnelIsValid() {
        assertThat(SpecValidation.validate(Fixtures.tunnel("corp", "login").getSpec(), CREDENTIALS, Optional.empty()))
                .isEmpty();
    }

    @Test
    void everyProblemNamesItsField() {
        VpnTunnelSpec spec = new VpnTunnelSpec(
                "http://vpn.example.test",
                new VpnTunnelSpec.Trust(
                        List.of("sha256:abc"),
                        new VpnTunnelSpec.CaReference(null, new VpnTunnelSpec.KeyReference("ca", null))),
                new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, "otp"), null),
                new VpnTunnelSpec.Routes(List.of("10.30.0.0/33"), List.of("vpn.example.test"), true, null),
                null,
                null,
                null,
                new VpnTunnelSpec.Reconnect(null, 10, 5),
                null,
                null);

        assertThat(SpecValidation.validate(
                        spec, Optional.of(Set.of("username", "password")), Optional.of(Set.of("tls.crt"))))
                .containsExactly(
                        new SpecValidation.Problem(
                                "InvalidGateway",
                                "spec.gateway 'http://vpn.example.test' must be https://HOST[:PORT][/PATH]"),
                        new SpecValidation.Problem(
                                "SecretKeyMissing",
                                "Secret 'login' has no key 'otp' (spec.authentication.secretRef); it has password, username"),
                        new SpecValidation.Problem(
                                "InvalidPin", "spec.trust.pinnedPublicKeys: 'sha256:abc' is not pin-sha256:BASE64"),
                        new SpecValidation.Problem(
                                "CaKeyMissing", "ConfigMap 'ca' has no key 'ca.crt' (spec.trust.ca)"),
                        new SpecValidation.Problem(
                                "InvalidRoute",
                                "spec.routes.include: '10.30.0.0/33' is not a CIDR such as 10.30.0.0/16"),
                        new SpecValidation.Problem(
                                "InvalidRoute",
                                "spec.routes.exclude: 'vpn.example.test' is not a CIDR such as 10.30.0.0/16"),
                        new SpecValidation.Problem(
                                "UnsafeDefaultRoute",
                                "spec.routes.allowDefaultRoute needs spec.routes.neverRoute "
                                        + "(the cluster's pod and service CIDRs), or the pods lose their cluster network"),
                        new SpecValidation.Problem(
                                "InvalidReconnect",
                                "spec.reconnect.maxDelaySeconds (5) is less than minDelaySeconds (10)"));
    }

    @Test
    void missingReferencesAreNamed() {
        VpnTunnelSpec spec = new VpnTunnelSpec(
                Fixtures.GATEWAY,
                new VpnTunnelSpec.Trust(
                        null, new VpnTunnelSpec.CaReference(new VpnTunnelSpec.KeyReference("corp-ca", null), null)),
                new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null),
                null,
                null,
                null,
                null,
                null,
                null,
                null);

        assertThat(SpecValidation.validate(spec, Optional.empty(), Optional.empty()))
                .extracting(SpecValidation.Problem::message)
                .containsExactly(
                        "Secret 'login' (spec.authentication.secretRef) does not exist",
                        "Secret 'corp-ca' (spec.trust.ca) does not exist");
    }

    @Test
    void cidrsAreCheckedByFamily() {
        assertThat(SpecValidation.isCidr("10.0.0.0/8")).isTrue();
        assertThat(SpecValidation.isCidr("fd00::/8")).isTrue();
        assertThat(SpecValidation.isCidr("fd00::/129")).isFalse();
        assertThat(SpecValidation.isCidr("256.0.0.0/8")).isFalse();
        assertThat(SpecValidation.isCidr("10.0.0.0")).isFalse();
        assertThat(SpecValidation.isCidr("10.0.0.0/x")).isFalse();
    }

    /** The CRD's pattern lets these through; the operator parses them, as the sidecar will, and refuses them. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "fffff::/64",
                ":::::/64",
                "1:2:3:4:5:6:7:8:9/64",
                "1::2::3/64",
                "fd00:::/64",
                "10.0.0/8",
                "10.0.0.0.0/8",
                "1.2.3.256/32",
                "10.1/16",
                "::ffff:10.0.0.1/96",
                "/8",
                "10.0.0.0/-1",
                "10.0.0.0/33",
                "fd00::/+8"
            })
    void badAddressesOfEitherFamilyAreNoCidrs(String text) {
        assertThat(SpecValidation.isCidr(text)).as(text).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0.0.0.0/0",
                "255.255.255.255/32",
                "::/0",
                "::1/128",
                "fd00:1:2:3:4:5:6:7/128",
                "FD00::/8",
                "::ffff:10.0.0.1/32",
                "fe80::1:2/64"
            })
    void goodAddressesOfEitherFamilyAreCidrs(String text) {
        assertThat(SpecValidation.isCidr(text)).as(text).isTrue();
    }
}
