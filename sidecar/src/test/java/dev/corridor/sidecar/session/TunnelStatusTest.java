package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status is assembled from typed parts by its factories; the transport follows from the session and DTLS's state. */
class TunnelStatusTest {
    private static final TunnelStatus.Routes ROUTES =
            new TunnelStatus.Routes(List.of(IpNetwork.parse("10.20.0.0/16")), List.of());
    private static final TunnelStatus.Session SESSION = new TunnelStatus.Session(
            Optional.of(new AssignedAddress(InetAddress.ofLiteral("10.99.0.50"), 24)),
            Optional.empty(),
            List.of(),
            List.of(),
            1434,
            Instant.parse("2026-12-02T10:00:00Z"),
            Optional.empty(),
            new TunnelStatus.Tls("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
    private static final TunnelStatus.Traffic TRAFFIC = new TrafficCounters().snapshot();

    @Test
    void aNewSessionCarriesDataOverCstpUntilDtlsIsUpThenOverDtls() {
        TunnelStatus connected = TunnelStatus.connected(
                "vpn.corp.test",
                SESSION,
                ROUTES,
                TunnelStatus.Dtls.notUp(DtlsState.CONNECTING, Optional.of(DtlsHandshake.Mode.PSK), ""),
                TunnelStatus.Login.NONE,
                TRAFFIC);
        assertThat(connected.ready()).isTrue();
        assertThat(connected.transport()).isEqualTo(Transport.CSTP);

        TunnelStatus.Dtls up =
                TunnelStatus.Dtls.up(DtlsHandshake.Mode.PSK, DtlsCipher.PSK_NEGOTIATE, DtlsCipher.Protocol.DTLS_1_2);
        assertThat(connected
                        .withLive(new TunnelStatus.Live(up, Optional.empty(), Optional.empty()), TRAFFIC)
                        .transport())
                .isEqualTo(Transport.DTLS);
        TunnelStatus.Dtls down = TunnelStatus.Dtls.notUp(
                DtlsState.DOWN, Optional.of(DtlsHandshake.Mode.PSK), "no answer over DTLS to a DPD probe for 30 s");
        assertThat(connected
                        .withLive(new TunnelStatus.Live(down, Optional.empty(), Optional.empty()), TRAFFIC)
                        .transport())
                .isEqualTo(Transport.CSTP);
    }

    @Test
    void withoutASessionNothingIsCarriedButARecoveringTunnelKeepsItsRoutes() {
        TunnelStatus recovering = TunnelStatus.recovering(
                "vpn.corp.test",
                ROUTES,
                TunnelStatus.Login.NONE,
                TRAFFIC,
                new TunnelStatus.Recovery("peer dead", 2, Instant.parse("2026-12-02T10:00:00Z")),
                Optional.of("unreachable"));
        assertThat(recovering.state()).isEqualTo(TunnelState.RECONNECTING);
        assertThat(recovering.transport()).isEqualTo(Transport.NONE);
        assertThat(recovering.routes()).isEqualTo(ROUTES);
        assertThat(recovering.session()).isEmpty();

        TunnelStatus idle = TunnelStatus.idle(
                TunnelState.DISCONNECTED, "vpn.corp.test", TunnelStatus.Login.NONE, TRAFFIC, Optional.empty());
        assertThat(idle.transport()).isEqualTo(Transport.NONE);
        assertThat(idle.live().dtls().state()).isEqualTo(DtlsState.UNAVAILABLE);
        assertThat(idle.withError(TunnelState.DISCONNECTED, "refused").lastError())
                .contains("refused");
    }
}
