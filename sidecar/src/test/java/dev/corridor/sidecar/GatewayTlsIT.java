package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TLS channel against gateways whose key exchange or crypto is old: RSA key exchange only (older ASAs;
 * openconnect's own {@code pfs} test) is accepted without forward secrecy, as openconnect accepts it, unless
 * {@code --pfs}; obsolete crypto only (TLS 1.0 with 3DES) is refused, naming what the gateway chose.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GatewayTlsIT {
    private static final Duration READY = Duration.ofSeconds(20);
    /** ocserv with an RSA certificate and nothing but RSA key exchange (TLS 1.3 has none, so TLS 1.2). */
    private static GatewayLab rsaOnly;

    @BeforeAll
    static void startLab() throws Exception {
        rsaOnly = GatewayLab.start(
                "corrsa",
                "--server-key=rsa",
                "tls-priorities = \"NORMAL:%SERVER_PRECEDENCE:-KX-ALL:+RSA:-VERS-TLS1.3\"");
    }

    @AfterAll
    static void stopLab() {
        if (rsaOnly != null) {
            rsaOnly.close();
        }
    }

    @Test
    void rsaKeyExchangeIsAcceptedWithoutForwardSecrecyAndSaysSo() throws Exception {
        try (SidecarProcess sidecar = connect(rsaOnly)) {
            sidecar.awaitReady(READY);
            JsonNode tls = sidecar.status().path("tls");
            assertThat(tls.path("protocol").asText()).isEqualTo("TLSv1.2");
            assertThat(tls.path("cipherSuite").asText()).startsWith("TLS_RSA_WITH_AES_");
            assertThat(tls.path("forwardSecrecy").isBoolean()).isTrue();
            assertThat(tls.path("forwardSecrecy").asBoolean()).isFalse();
            assertThat(sidecar.httpGet("/metrics")).contains("corridor_tunnel_tls_forward_secrecy 0.0");
            assertThat(rsaOnly.exec(
                            rsaOnly.podNamespace(), "ping", "-c", "2", "-W", "2", rsaOnly.get("LAB_CORP_HOST_1")))
                    .contains("2 received");
        }
    }

    @Test
    void withPfsTheRsaOnlyGatewayIsRefusedBeforeAnyCredentialIsSent() throws Exception {
        String logBefore = rsaOnly.ocservLog();
        try (SidecarProcess sidecar = connect(rsaOnly, "--pfs")) {
            assertThat(sidecar.awaitExit(Duration.ofSeconds(30)))
                    .as("a configuration that cannot work here")
                    .isEqualTo(2);
            assertThat(sidecar.output())
                    .contains("offers only RSA key exchange (it chose TLSv1.2 with TLS_RSA_WITH_AES_")
                    .contains("no forward secrecy: --pfs refuses it");
        }
        assertThat(rsaOnly.ocservLog().substring(logBefore.length()))
                .as("no login was attempted")
                .doesNotContain(rsaOnly.user());
    }

    @Test
    void aGatewayWithOnlyObsoleteCryptoIsRefusedNamingWhatItChose() throws Exception {
        try (GatewayLab obsolete = GatewayLab.start(
                        "corobs",
                        "--server-key=rsa",
                        "tls-priorities = \"NONE:+VERS-TLS1.0:+3DES-CBC:+RSA:+SHA1:+COMP-NULL:+SIGN-ALL\"");
                SidecarProcess sidecar = connect(obsolete)) {
            assertThat(sidecar.awaitExit(Duration.ofSeconds(30)))
                    .as("the gateway's protocol is the problem")
                    .isEqualTo(7);
            assertThat(sidecar.output())
                    .contains("offers only obsolete TLS")
                    .contains("it chose TLSv1 with TLS_RSA_WITH_3DES_EDE_CBC_SHA");
        }
    }

    private static SidecarProcess connect(GatewayLab lab, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of(
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                lab.gatewayUrl()));
        return SidecarProcess.start(lab.podNamespace(), lab.password() + "\n", args.toArray(String[]::new));
    }
}
