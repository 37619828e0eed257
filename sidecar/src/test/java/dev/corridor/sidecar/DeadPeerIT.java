package dev.corridor.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.testing.Firewall;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A gateway that stops answering is detected by DPD on the gateway's schedule, reported, and cleaned up after. */
class DeadPeerIT {
    private static GatewayLab lab;

    @BeforeAll
    static void startLab() throws Exception {
        lab = GatewayLab.start("cordpd", "dpd = 2");
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aSilentGatewayIsDeclaredDeadAfterTwiceItsDpdInterval() throws Exception {
        try (SidecarProcess sidecar = SidecarProcess.start(lab.podNamespace(), lab.password() + "\n",
                "--cafile", lab.caFile().toString(), "-u", lab.user(), "--passwd-on-stdin",
                "--http-address", SidecarProcess.HTTP_ADDRESS, lab.gatewayUrl())) {
            sidecar.awaitReady(Duration.ofSeconds(20));
            // Idle past the DPD interval: the client probes, the gateway answers, the session stays.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> sidecar.status().path("dpdRoundTripMillis").asDouble() > 0);
            assertThat(sidecar.httpStatus("/readyz")).isEqualTo(200);

            // The gateway goes silent: everything it would receive on the VPN port is dropped.
            try (Firewall silence = Firewall.onInput(lab.gatewayNamespace(), "corridor_test", "tcp dport 443 drop")) {
                long silentSince = System.nanoTime();

                assertThat(sidecar.awaitExit(Duration.ofSeconds(20))).isEqualTo(8);
                assertThat(Duration.ofNanos(System.nanoTime() - silentSince)).isLessThan(Duration.ofSeconds(10));
            }
            assertThat(sidecar.output()).contains("nothing received from the gateway for").contains("(DPD 2 s)");
            assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
            assertThat(PodRoutes.of(lab.podNamespace(), "-4")).noneMatch(route -> route.contains("proto 151"));
        }
    }
}
