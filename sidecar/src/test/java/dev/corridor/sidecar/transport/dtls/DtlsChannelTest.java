package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data phase on a channel with known keys, against a gateway on loopback that seals and opens its records
 * independently ({@link DtlsWire}): what the gateway's alerts and repeated handshake flights do to the channel, and
 * that nobody without the keys can end it.
 */
class DtlsChannelTest {
    private static final byte[] KEY_BLOCK = new byte[2 * 32 + 2 * 4];
    private static final int FATAL = 2;
    private static final int WARNING = 1;

    static {
        for (int i = 0; i < KEY_BLOCK.length; i++) {
            KEY_BLOCK[i] = (byte) (i * 11 + 5);
        }
    }

    private final DtlsKeys keys = DtlsKeys.fromKeyBlock(DtlsSuite.PSK_AES_256_GCM, 1, KEY_BLOCK, 1);
    private final List<byte[]> lastFlight = List.of(
            DtlsWire.plaintextRecord(DtlsWire.CHANGE_CIPHER_SPEC, 0, 5, new byte[] {1}),
            DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 1, 0, new byte[40]));
    private final List<byte[]> delivered = new ArrayList<>();
    private final PacketReceiver receiver = new PacketReceiver() {
        @Override
        public void onPacket(PacketType type, int typeCode, byte[] buf, int off, int len) {
            assertThat(type).isEqualTo(PacketType.DATA);
            delivered.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void onRejectedRecord() {
            rejected++;
        }
    };
    private int rejected;
    private long gatewaySequence = 1;
    private DatagramSocket gateway;
    private SocketAddress client;
    private DtlsChannel channel;

    @BeforeEach
    void connect() throws Exception {
        gateway = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        gateway.setSoTimeout(10_000);
        UdpSocket socket = UdpSocket.connect(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.getLocalPort()), 65536);
        channel = new DtlsChannel(socket, new GcmRecordLayer(keys), DtlsHandshake.Mode.PSK, 1472, lastFlight);
        channel.sendControl(PacketType.KEEPALIVE, new byte[0]);
        DatagramPacket first = new DatagramPacket(new byte[2048], 2048);
        gateway.receive(first);
        client = first.getSocketAddress();
    }

    @AfterEach
    void close() {
        channel.close();
        gateway.close();
    }

    @Test
    void theGatewayOpensWhatTheChannelSealsAndTheChannelDeliversWhatTheGatewaySeals() throws Exception {
        channel.sendControl(PacketType.DPD_REQUEST, new byte[] {9, 8, 7});
        DtlsWire.Record record = DtlsWire.records(receiveAtGateway()).getFirst();
        assertThat(record.type()).isEqualTo(DtlsWire.APPLICATION_DATA);
        assertThat(record.epoch()).isEqualTo(1);
        assertThat(DtlsWire.open(record, keys.writeKey, keys.writeSalt))
                .containsExactly(PacketType.DPD_REQUEST.code(), 9, 8, 7);

        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 42, 43});
        awaitDelivered(1);
        assertThat(delivered.getFirst()).containsExactly(42, 43);
    }

    @Test
    void aFlushTheSocketRefusesCountsEveryQueuedPacketAsDroppedWithItsOwnLength() throws Exception {
        gateway.close(); // the kernel answers the next datagram with a port unreachable, which fails the send after it
        byte[] buf = new byte[DtlsChannel.HEADROOM + 100 + DtlsChannel.TAILROOM];
        channel.sendData(buf, DtlsChannel.HEADROOM, 100);
        assertThat(channel.flushData()).isZero();
        Thread.sleep(100); // the ICMP error arrives on loopback at once; this leaves it ample time

        for (int length : new int[] {100, 60, 30}) {
            channel.sendData(buf, DtlsChannel.HEADROOM, length);
        }
        assertThatThrownBy(channel::flushData).isInstanceOf(IOException.class).hasMessageContaining("ECONNREFUSED");
        assertThat(channel.droppedPackets()).isEqualTo(3);
        assertThat(channel.droppedBytes())
                .as("the packets' own bytes, not their records'")
                .isEqualTo(190);
    }

    @Test
    void aControlPacketAfterCloseFailsByNameInsteadOfTouchingFreedCipherState() {
        channel.close();
        assertThatThrownBy(() -> channel.sendControl(PacketType.DPD_REQUEST, new byte[] {1}))
                .isInstanceOf(IOException.class)
                .hasMessage("the DTLS channel is closed");
    }

    @Test
    void aFatalAlertFromTheGatewayEndsTheChannel() throws Exception {
        sendSealed(DtlsWire.ALERT, new byte[] {FATAL, 20});
        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 1}); // what a channel that went on would deliver
        assertThatThrownBy(this::receiveUntilDelivered)
                .isInstanceOf(IOException.class)
                .hasMessage("the gateway ended DTLS with alert 20");
    }

    @Test
    void closeNotifyFromTheGatewayEndsTheChannel() throws Exception {
        sendSealed(DtlsWire.ALERT, new byte[] {WARNING, 0});
        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 1}); // what a channel that went on would deliver
        assertThatThrownBy(this::receiveUntilDelivered)
                .isInstanceOf(IOException.class)
                .hasMessage("the gateway ended DTLS with alert 0");
    }

    @Test
    void aWarningAlertDoesNotEndTheChannel() throws Exception {
        sendSealed(DtlsWire.ALERT, new byte[] {WARNING, 100}); // no_renegotiation
        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 1});
        awaitDelivered(1);
        assertThat(rejected).isZero();
    }

    /**
     * Alerts that did not come from the holder of the keys are dropped like any forgery: in clear (as the handshake
     * sends them in epoch 0) or with a wrong tag. Otherwise anyone who can send the client a datagram could end DTLS.
     */
    @Test
    void anAlertThatIsNotAuthenticIsDropped() throws Exception {
        send(DtlsWire.plaintextRecord(DtlsWire.ALERT, 0, 7, new byte[] {FATAL, 40}));
        send(DtlsWire.plaintextRecord(DtlsWire.ALERT, 1, 99, new byte[] {FATAL, 40}));
        byte[] forged =
                DtlsWire.sealedRecord(DtlsWire.ALERT, 1, 100, new byte[] {FATAL, 40}, keys.readKey, keys.readSalt);
        forged[forged.length - 1] ^= 1;
        send(forged);
        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 1});
        awaitDelivered(1);
        assertThat(rejected).isEqualTo(3);
    }

    /** The gateway repeats its handshake flight (in epoch 0) when the client's last flight was lost: it goes out again. */
    @Test
    void aHandshakeRecordInEpochZeroSendsTheLastFlightAgain() throws Exception {
        send(DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 0, 2, new byte[] {2, 0, 0, 0}));
        assertThat(receiveAtGatewayAfterReceiving()).isEqualTo(lastFlight.get(0));
        assertThat(receiveAtGateway()).isEqualTo(lastFlight.get(1));
    }

    /** A handshake record of the data epoch is no repeated flight (it would be a renegotiation): dropped, nothing sent. */
    @Test
    void aHandshakeRecordInTheDataEpochIsDropped() throws Exception {
        send(DtlsWire.sealedRecord(DtlsWire.HANDSHAKE, 1, 3, new byte[] {0, 0, 0, 0}, keys.readKey, keys.readSalt));
        sendSealed(DtlsWire.APPLICATION_DATA, new byte[] {0, 1});
        awaitDelivered(1);
        assertThat(rejected).isEqualTo(1);
        channel.sendControl(PacketType.KEEPALIVE, new byte[0]);
        DtlsWire.Record next = DtlsWire.records(receiveAtGateway()).getFirst();
        assertThat(DtlsWire.open(next, keys.writeKey, keys.writeSalt))
                .as("the keepalive, no flight before it")
                .containsExactly(PacketType.KEEPALIVE.code());
    }

    private void sendSealed(int type, byte[] plaintext) throws IOException {
        send(DtlsWire.sealedRecord(type, 1, gatewaySequence++, plaintext, keys.readKey, keys.readSalt));
    }

    private void send(byte[] datagram) throws IOException {
        gateway.send(new DatagramPacket(datagram, datagram.length, client));
    }

    private byte[] receiveAtGateway() throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        gateway.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    /** Lets the channel receive (a repeated flight goes out from there) while waiting for the gateway's next datagram. */
    private byte[] receiveAtGatewayAfterReceiving() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && channel.receivePending(receiver, 16) == 0) {
            channel.socket().awaitReadable(100);
        }
        return receiveAtGateway();
    }

    private void awaitDelivered(int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.size() < count && System.nanoTime() < deadline) {
            channel.socket().awaitReadable(100);
            channel.receivePending(receiver, 16);
        }
        assertThat(delivered).hasSize(count);
    }

    /** Receives until a packet is delivered or the bound passes; a channel that ends throws from here. */
    private void receiveUntilDelivered() throws Exception {
        awaitDelivered(1);
    }
}
