package dev.corridor.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pump between in-process fakes of the device and the channels: which channel a packet takes, what is dropped and
 * counted, how the gateway's packets are dispatched, how DTLS falls back to CSTP. No root, no sockets.
 */
class DataPlaneTest {
    private static final int DTLS_MAX = 1300;

    @Test
    void withoutDtlsPacketsCrossOverCstpBothWaysAndAreCounted() throws Exception {
        try (Pump pump = new Pump(OptionalInt.empty())) {
            byte[] out = Pump.outbound(100);
            pump.device.send(out);
            pump.cstp.arrive(PacketType.DATA, Pump.inbound(60));

            await().until(() -> pump.cstp.sent(PacketType.DATA).size() == 1
                    && pump.device.delivered().size() == 1);
            assertThat(pump.cstp.sent(PacketType.DATA).getFirst().payload()).isEqualTo(out);
            assertThat(pump.device.delivered().getFirst()).isEqualTo(Pump.inbound(60));
            TunnelStatus.ChannelTraffic cstp = pump.counters.snapshot().cstp();
            assertThat(cstp.packetsSent()).isEqualTo(1);
            assertThat(cstp.bytesSent()).isEqualTo(100);
            assertThat(cstp.packetsReceived()).isEqualTo(1);
            assertThat(cstp.bytesReceived()).isEqualTo(60);
        }
    }

    @Test
    void whileDtlsIsUpDataGoesOverItAndWhatDoesNotFitARecordOverCstp() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            pump.device.send(Pump.outbound(DTLS_MAX));
            pump.device.send(Pump.outbound(DTLS_MAX + 1));

            await().until(() -> pump.device.drained()
                    && pump.dtls.orElseThrow().sent().size() == 1
                    && pump.cstp.sent().size() == 1);
            assertThat(pump.dtls.orElseThrow().sent().getFirst().payload()).hasSize(DTLS_MAX);
            assertThat(pump.cstp.sent(PacketType.DATA).getFirst().payload()).hasSize(DTLS_MAX + 1);
            TunnelStatus.Traffic traffic = pump.counters.snapshot();
            assertThat(traffic.oversizeOverCstp()).isEqualTo(1);
            assertThat(traffic.dtls().packetsSent()).isEqualTo(1);
            assertThat(traffic.cstp().packetsSent()).isEqualTo(1);
        }
    }

    @Test
    void aBrokenDtlsPathFallsBackToCstpWithoutLosingThePacket() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            pump.dtls.orElseThrow().breakPath();
            pump.device.send(Pump.outbound(200));

            await().until(() -> pump.cstp.sent(PacketType.DATA).size() == 1);
            await().until(() -> pump.dtlsPath().state() == DtlsState.DOWN);
            assertThat(pump.dtlsPath().lastError()).contains("network unreachable");
            assertThat(pump.dtls.orElseThrow().closed())
                    .as("the data thread closed the failed channel")
                    .isTrue();
            pump.device.send(Pump.outbound(300));
            await().until(() -> pump.cstp.sent(PacketType.DATA).size() == 2);
            assertThat(pump.counters.snapshot().dtls().packetsSent()).isZero();
        }
    }

    @Test
    void whileDtlsCarriesTheDataCstpIsReadOnlyWhenSomethingArrivesOnIt() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            int readsBefore = pump.cstp.receiveCalls();
            for (int i = 0; i < 20; i++) {
                pump.device.send(Pump.outbound(100));
                pump.dtls.orElseThrow().arrive(PacketType.DATA, Pump.inbound(60));
            }
            await().until(() -> pump.device.drained()
                    && pump.dtls.orElseThrow().sent().size() == 20
                    && pump.device.delivered().size() == 20);
            assertThat(pump.cstp.receiveCalls())
                    .as("no read of the idle CSTP connection for the DTLS traffic")
                    .isEqualTo(readsBefore);

            pump.cstp.arrive(PacketType.DATA, Pump.inbound(70));
            await().until(() -> pump.device.delivered().size() == 21);
            assertThat(pump.device.delivered().getLast()).isEqualTo(Pump.inbound(70));
        }
    }

    @Test
    void aPacketBeyondACstpFrameIsDroppedAsOversizeNotCutShort() throws Exception {
        try (Pump pump = new Pump(OptionalInt.empty())) {
            pump.device.send(Pump.outbound(CstpFraming.MAX_PAYLOAD + 1));
            pump.device.send(Pump.outbound(CstpFraming.MAX_PAYLOAD));

            await().until(() -> pump.device.drained() && pump.cstp.sent().size() == 1);
            assertThat(pump.cstp.sent().getFirst().payload()).hasSize(CstpFraming.MAX_PAYLOAD);
            assertThat(pump.counters.snapshot().cstp().dropped()).containsEntry(DropReason.OVERSIZE, 1L);
        }
    }

    @Test
    void packetsNoChannelTakesAreDroppedAndCountedByReason() throws Exception {
        try (Pump pump = new Pump(OptionalInt.empty())) {
            byte[] ipv6 = new byte[40];
            ipv6[0] = 0x60;
            pump.device.send(ipv6);
            pump.cstp.arrive(PacketType.DATA, Pump.ipv4("192.0.2.1", Pump.POD_ADDRESS, 40));
            pump.cstp.arrive(PacketType.DATA, new byte[0]);
            pump.cstp.fill();
            pump.device.send(Pump.outbound(100));

            await().until(() -> pump.counters.snapshot().cstp().packetsDropped() == 4);
            assertThat(pump.counters.snapshot().cstp().dropped())
                    .containsEntry(DropReason.UNKNOWN_FAMILY, 1L)
                    .containsEntry(DropReason.SPOOFED_SOURCE, 1L)
                    .containsEntry(DropReason.MALFORMED, 1L)
                    .containsEntry(DropReason.QUEUE_FULL, 1L);
            assertThat(pump.device.delivered()).isEmpty();
            assertThat(pump.cstp.sent()).isEmpty();
        }
    }

    @Test
    void datagramsTheSocketWouldNotTakeAreUncountedAsSentAndCountedAsQueueFull() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            pump.dtls.orElseThrow().dropOnNextFlush(2);
            pump.device.send(Pump.outbound(100), Pump.outbound(100), Pump.outbound(100));

            await().until(() ->
                    pump.device.drained() && pump.counters.snapshot().dtls().packetsDropped() == 2);
            TunnelStatus.ChannelTraffic dtls = pump.counters.snapshot().dtls();
            assertThat(dtls.packetsSent())
                    .isEqualTo(pump.dtls.orElseThrow().sent().size());
            assertThat(dtls.bytesSent())
                    .isEqualTo(100L * pump.dtls.orElseThrow().sent().size());
            assertThat(dtls.dropped()).containsEntry(DropReason.QUEUE_FULL, 2L);
        }
    }

    @Test
    void datagramsQueuedWhenTheSocketFailsAreUncountedAsSentAndCountedAsSendFailed() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            pump.dtls.orElseThrow().failNextFlush();
            pump.device.send(Pump.outbound(100), Pump.outbound(100), Pump.outbound(100));

            await().until(() ->
                    pump.device.drained() && pump.counters.snapshot().dtls().packetsDropped() == 3);
            TunnelStatus.ChannelTraffic dtls = pump.counters.snapshot().dtls();
            assertThat(dtls.packetsSent()).isZero();
            assertThat(dtls.bytesSent()).isZero();
            assertThat(dtls.dropped()).containsEntry(DropReason.SEND_FAILED, 3L);
            await().until(() -> pump.dtls.orElseThrow().closed());
        }
    }

    @Test
    void aDpdRequestIsAnsweredOnTheChannelItCameInOnWithItsPayload() throws Exception {
        try (Pump pump = new Pump(OptionalInt.of(DTLS_MAX))) {
            await().until(() -> pump.dtlsPath().state() == DtlsState.UP);
            pump.cstp.arrive(PacketType.DPD_REQUEST, new byte[] {1, 2, 3});
            pump.dtls.orElseThrow().arrive(PacketType.DPD_REQUEST, new byte[] {4, 5});
            pump.cstp.arrive(PacketType.DPD_REQUEST, new byte[Pump.MTU + 1]);

            await().until(() -> pump.cstp.sent().size() == 1
                    && pump.dtls.orElseThrow().sent().size() == 1
                    && pump.counters.snapshot().cstp().packetsDropped() == 1);
            assertThat(pump.cstp.sent().getFirst()).satisfies(answer -> {
                assertThat(answer.type()).isEqualTo(PacketType.DPD_RESPONSE);
                assertThat(answer.payload()).containsExactly(1, 2, 3);
            });
            assertThat(pump.dtls.orElseThrow().sent().getFirst().payload()).containsExactly(4, 5);
            assertThat(pump.counters.snapshot().cstp().dropped())
                    .as("a probe larger than the MTU is not copied back")
                    .containsEntry(DropReason.OVERSIZE, 1L);
        }
    }

    @Test
    void theGatewaysDisconnectEndsTheSessionWithItsReasonAndThePumpSendsNoLogout() throws Exception {
        Pump pump = new Pump(OptionalInt.empty());
        byte[] reason = "\u00b0Idle timeout".getBytes(StandardCharsets.ISO_8859_1);
        pump.cstp.arrive(PacketType.DISCONNECT, reason);

        SessionEnd end = pump.end.get();
        assertThat(end.cause()).isEqualTo(SessionEnd.Cause.GATEWAY_DISCONNECTED);
        assertThat(end.toString()).contains("the gateway disconnected the session (Idle timeout)");
        assertThat(pump.cstp.sent())
                .as("logging out is the session's, not the pump's")
                .isEmpty();
    }

    @Test
    void aFaultOfTheClientsOwnEndsTheSessionInsteadOfStoppingItsDataThreadSilently() throws Exception {
        Pump pump = new Pump(OptionalInt.empty());
        pump.device.failWrites(new IllegalStateException("a bug"));
        pump.cstp.arrive(PacketType.DATA, Pump.inbound(60));

        SessionEnd end = pump.end.get(10, TimeUnit.SECONDS);
        assertThat(end.cause()).isEqualTo(SessionEnd.Cause.CLIENT_FAULT);
        assertThat(end.detail()).contains("data thread", "IllegalStateException: a bug");
    }

    @Test
    void aStoppedPumpReturnsStoppedAndAClosedConnectionEndsTheSessionAsLost() throws Exception {
        Pump stopped = new Pump(OptionalInt.empty());
        stopped.plane.stop();
        assertThat(stopped.end.get().cause()).isEqualTo(SessionEnd.Cause.STOPPED);

        Pump lost = new Pump(OptionalInt.empty());
        lost.cstp.hangUp();
        assertThat(lost.end.get().cause()).isEqualTo(SessionEnd.Cause.CONNECTION_LOST);
        assertThat(lost.end.get().detail()).contains("closed the connection");
    }
}
