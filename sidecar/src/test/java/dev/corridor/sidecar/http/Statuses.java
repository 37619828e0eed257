package dev.corridor.sidecar.http;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.session.DropReason;
import dev.corridor.sidecar.session.DtlsState;
import dev.corridor.sidecar.session.TunnelState;
import dev.corridor.sidecar.session.TunnelStatus;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tunnel snapshots for the endpoints' and the egress listeners' tests. */
public final class Statuses {
    static final String SERVER = "vpn.corp.test";

    private Statuses() {}

    static TunnelStatus connected() {
        return status(TunnelState.CONNECTED, Optional.empty());
    }

    static TunnelStatus down(String error) {
        return status(TunnelState.RECONNECTING, Optional.of(error));
    }

    /** A snapshot with these routes through and around the tunnel. */
    public static TunnelStatus of(TunnelState state, List<IpNetwork> routes, List<IpNetwork> excludedRoutes) {
        return status(
                state,
                routes,
                excludedRoutes,
                state == TunnelState.CONNECTED ? Optional.empty() : Optional.of("the gateway went away"));
    }

    private static TunnelStatus status(TunnelState state, Optional<String> error) {
        return status(state, List.of(IpNetwork.parse("10.20.0.0/16")), List.of(), error);
    }

    private static TunnelStatus status(
            TunnelState state, List<IpNetwork> routes, List<IpNetwork> excludedRoutes, Optional<String> error) {
        TunnelStatus.ChannelTraffic traffic =
                new TunnelStatus.ChannelTraffic(420, 420, 5, 5, Map.of(DropReason.OVERSIZE, 0L));
        TunnelStatus.Session session = new TunnelStatus.Session(
                Optional.of(new AssignedAddress(InetAddress.ofLiteral("10.99.0.50"), 24)),
                Optional.empty(),
                List.of(InetAddress.ofLiteral("10.20.1.53")),
                List.of("corp.test"),
                1434,
                Instant.parse("2026-11-22T07:24:58Z"),
                Optional.empty(),
                new TunnelStatus.Tls("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
        TunnelStatus.Live live = new TunnelStatus.Live(
                new TunnelStatus.Dtls(
                        DtlsState.UP,
                        Optional.of(DtlsHandshake.Mode.PSK),
                        Optional.of(DtlsCipher.PSK_NEGOTIATE),
                        Optional.of(DtlsCipher.Protocol.DTLS_1_2),
                        ""),
                Optional.empty(),
                Optional.empty());
        return new TunnelStatus(
                state,
                SERVER,
                Optional.of(session),
                new TunnelStatus.Routes(routes, excludedRoutes),
                live,
                TunnelStatus.Login.NONE,
                new TunnelStatus.Traffic(traffic, traffic, 0, 0),
                Optional.empty(),
                error);
    }
}
