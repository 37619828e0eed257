package dev.corridor.sidecar.session;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import dev.corridor.sidecar.testing.Background;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import dev.corridor.sidecar.transport.dtls.DtlsSuite;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A data plane between the fakes, running on its own threads until {@link #close}. */
final class Pump implements AutoCloseable {
    static final IpNetwork CORPORATE = IpNetwork.parse("10.20.0.0/16");
    static final String POD_ADDRESS = "10.99.0.50";
    static final int MTU = 1400;
    /** Keepalives and DPD far beyond any test, so that only the test's packets cross. */
    static final Duration QUIET = Duration.ofHours(1);

    final FakeWire wire = new FakeWire();
    final FakeDevice device = new FakeDevice(wire);
    final FakeCstp cstp = new FakeCstp(wire);
    final Optional<FakeDtls> dtls;
    final TrafficCounters counters = new TrafficCounters();
    final DataPlane plane;
    final CompletableFuture<SessionEnd> end;

    /** @param dtlsMaxPacket the largest packet a DTLS record carries; empty: the session has no DTLS */
    Pump(OptionalInt dtlsMaxPacket) {
        dtls = dtlsMaxPacket.isPresent() ? Optional.of(new FakeDtls(wire, dtlsMaxPacket.getAsInt())) : Optional.empty();
        Optional<DtlsSetup> setup = dtls.map(fake -> new DtlsSetup(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 443),
                new DtlsHandshake.Request(
                        DtlsHandshake.Mode.PSK,
                        new byte[32],
                        new byte[32],
                        DtlsSuite.PSK_AES_256_GCM,
                        DtlsCipher.PSK_NEGOTIATE),
                MTU + 100,
                QUIET,
                QUIET));
        plane = new DataPlane(
                device,
                wire,
                cstp,
                config(),
                setup,
                dtls.isPresent() ? dtls.get() : null,
                counters,
                TunnelObserver.NONE,
                new InboundFilter(List.of(CORPORATE), List.of(), Set.of(8080)));
        end = Background.supply(plane::run);
    }

    static SessionConfig config() {
        return new SessionConfig(
                Optional.of(new AssignedAddress(InetAddress.ofLiteral(POD_ADDRESS), 24)),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                false,
                List.of(CORPORATE),
                List.of(),
                MTU,
                OptionalInt.empty(),
                QUIET,
                QUIET,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "",
                "",
                Optional.empty(),
                Optional.empty());
    }

    /** An IPv4 ICMP packet of {@code length} bytes. */
    static byte[] ipv4(String source, String destination, int length) {
        byte[] packet = new byte[length];
        packet[0] = 0x45;
        packet[2] = (byte) (length >> 8);
        packet[3] = (byte) length;
        packet[8] = 64;
        packet[9] = 1;
        System.arraycopy(InetAddress.ofLiteral(source).getAddress(), 0, packet, 12, 4);
        System.arraycopy(InetAddress.ofLiteral(destination).getAddress(), 0, packet, 16, 4);
        for (int i = 20; i < length; i++) {
            packet[i] = (byte) i;
        }
        return packet;
    }

    /** From the pod to a corporate host. */
    static byte[] outbound(int length) {
        return ipv4(POD_ADDRESS, "10.20.1.1", length);
    }

    /** From a corporate host to the pod. */
    static byte[] inbound(int length) {
        return ipv4("10.20.1.1", POD_ADDRESS, length);
    }

    DtlsPath dtlsPath() {
        return plane.dtls().orElseThrow();
    }

    @Override
    public void close() throws Exception {
        plane.stop();
        end.get(10, TimeUnit.SECONDS);
    }
}
