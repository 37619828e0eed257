package dev.corridor.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.protocol.tunnel.DtlsOffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dtlsCiphers}, {@code dtls12Ciphers} and {@code pfs}: openconnect's option forms, and the errors they give. */
class DtlsCipherSettingsTest {
    @TempDir
    Path dir;

    private static Settings server() {
        return Settings.empty().with(Setting.SERVER, "https://vpn.corp.test/");
    }

    @Test
    void unsetGivesOpenconnectsDefaultOfferWithForwardSecrecyNotRequired() throws Exception {
        ClientConfig config = server().resolve();
        assertThat(config.dtlsCiphers()).isEqualTo(DtlsOffer.DEFAULT_DTLS);
        assertThat(config.dtls12Ciphers()).isEqualTo(DtlsOffer.DEFAULT_DTLS12);
        assertThat(config.pfs()).isFalse();
    }

    @Test
    void colonSeparatedNamesInTheirOrderWithoutRepeats() throws Exception {
        ClientConfig config = server().with(Setting.DTLS_CIPHERS, "AES128-SHA:AES256-SHA:AES128-SHA")
                .with(Setting.DTLS12_CIPHERS, "ECDHE-RSA-AES256-GCM-SHA384")
                .with(Setting.PFS, true)
                .resolve();
        assertThat(config.dtlsCiphers()).containsExactly(DtlsCipher.AES128_SHA, DtlsCipher.AES256_SHA);
        assertThat(config.dtls12Ciphers()).containsExactly(DtlsCipher.ECDHE_RSA_AES256_GCM_SHA384);
        assertThat(config.pfs()).isTrue();
    }

    @Test
    void anEmptyListLeavesItsHeaderOut() throws Exception {
        ClientConfig config = server().with(Setting.DTLS12_CIPHERS, "").resolve();
        assertThat(config.dtls12Ciphers()).isEmpty();
        assertThat(config.dtlsCiphers()).isEqualTo(DtlsOffer.DEFAULT_DTLS);
    }

    @Test
    void anUnknownNameIsAnErrorListingTheKnownOnes() {
        assertThatThrownBy(() -> server().with(Setting.DTLS_CIPHERS, "AES256-SHA:DES-CBC3-SHA")
                        .resolve())
                .isInstanceOf(ConfigException.class)
                .hasMessage("dtlsCiphers: unknown DTLS cipher 'DES-CBC3-SHA'; known: "
                        + "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC-DTLS1_2-AES128-GCM:AES256-SHA:AES128-SHA");
        assertThatThrownBy(() ->
                        server().with(Setting.DTLS_CIPHERS, "AES256-GCM-SHA384").resolve())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown DTLS cipher 'AES256-GCM-SHA384' (it belongs in dtls12Ciphers)");
        assertThatThrownBy(() ->
                        server().with(Setting.DTLS12_CIPHERS, "AES256-SHA").resolve())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "dtls12Ciphers: unknown DTLS cipher 'AES256-SHA' (it belongs in dtlsCiphers); known: "
                                + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384");
    }

    @Test
    void bothListsEmptyIsAnErrorUnlessDtlsIsOff() throws Exception {
        assertThatThrownBy(() -> server().with(Setting.DTLS_CIPHERS, "")
                        .with(Setting.DTLS12_CIPHERS, "")
                        .resolve())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--no-dtls");
        assertThat(server().with(Setting.DTLS_CIPHERS, "")
                        .with(Setting.DTLS12_CIPHERS, "")
                        .with(Setting.DTLS, false)
                        .resolve()
                        .dtls())
                .isFalse();
    }

    @Test
    void theConfigFileTakesTheSameKeys() throws Exception {
        Path file = Files.writeString(dir.resolve("corridor.yaml"), """
                server: https://vpn.corp.test/
                dtlsCiphers: "PSK-NEGOTIATE:AES256-SHA"
                dtls12Ciphers: ""
                pfs: true
                """);
        ClientConfig config = ConfigFile.load(file).resolve();
        assertThat(config.dtlsCiphers()).containsExactly(DtlsCipher.PSK_NEGOTIATE, DtlsCipher.AES256_SHA);
        assertThat(config.dtls12Ciphers()).isEmpty();
        assertThat(config.pfs()).isTrue();
    }
}
