package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.crd.FormEntry;
import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SidecarConfigurationTest {
    /**
     * The configuration for a tunnel that sets everything. The sidecar module's ConfigFileTest reads this same file,
     * so the names the operator writes are the names the sidecar reads.
     */
    static final Path RENDERED = Path.of("src/test/resources/rendered/corridor.yaml");

    @Test
    void aTunnelThatSetsEverythingRendersTheCheckedInFile() throws Exception {
        VpnTunnelSpec spec = new VpnTunnelSpec(
                "https://vpn.example.test/engineering",
                new VpnTunnelSpec.Trust(
                        List.of(Fixtures.PIN),
                        new VpnTunnelSpec.CaReference(new VpnTunnelSpec.KeyReference("corp-ca", null), null)),
                new VpnTunnelSpec.Authentication(
                        new VpnTunnelSpec.SecretReference("login", null, null),
                        "Engineering",
                        new OneTimePassword(null, new SecretKeyReference("otp", "seed")),
                        new TlsSecretReference("machine"),
                        new TlsSecretReference("user"),
                        null,
                        List.of(new FormEntry("main", "group_list", "Engineering"))),
                new VpnTunnelSpec.Routes(
                        List.of("10.30.0.0/16"),
                        List.of("10.30.99.0/24"),
                        true,
                        List.of("10.42.0.0/16", "10.43.0.0/16")),
                1400,
                false,
                new VpnTunnelSpec.Sidecar(null, null, null, "debug", null, null),
                new VpnTunnelSpec.Reconnect(600, 2, 30),
                null,
                new TunnelDns(true, List.of("corp.example.com"), true));

        assertThat(SidecarConfiguration.render(spec, Fixtures.CLUSTER_DNS)).isEqualTo(Files.readString(RENDERED));
    }

    @Test
    void aMinimalTunnelRendersSafeDefaults() {
        String rendered = SidecarConfiguration.render(
                Fixtures.tunnel(
                                "corp",
                                new VpnTunnelSpec(
                                        Fixtures.GATEWAY,
                                        null,
                                        new VpnTunnelSpec.Authentication(
                                                new VpnTunnelSpec.SecretReference("login", null, null), null),
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null))
                        .getSpec(),
                Fixtures.CLUSTER_DNS);

        assertThat(rendered)
                .contains(
                        "dtls: true",
                        "logLevel: \"info\"",
                        "interface: \"vpn0\"",
                        "httpAddress: \"0.0.0.0:9478\"",
                        "statusTokenFile: \"/etc/corridor/status-token/token\"",
                        "failClosed: true")
                .doesNotContain("allowDefaultRoute", "route", "reconnect", "serverCert", "cafile", "authgroup");
    }

    @Test
    void theConfigMapIsLabelledForTheOperatorsInformer() {
        var configMap = SidecarConfiguration.configMap(Fixtures.tunnel("corp", "login"), Fixtures.CLUSTER_DNS);

        assertThat(configMap.getMetadata().getName()).isEqualTo("corridor-corp");
        assertThat(configMap.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "corridor-operator")
                .containsEntry("corridor.dev/tunnel", "corp");
        assertThat(configMap.getData()).containsOnlyKeys("corridor.yaml");
    }
}
