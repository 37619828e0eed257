package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.hostile.DtlsAttacker;
import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.TestCertificates;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsCredentialedDecryptor;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JceDefaultTlsCredentialedDecryptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handshake and the record layer against an independent DTLS implementation: a Bouncy Castle server on
 * loopback that echoes every record it receives, and records every datagram the client sends, as it arrived (the
 * record headers, content type included, are in clear in every epoch). What ocserv does is covered by the lab's
 * integration tests.
 */
class DtlsHandshakeTest {
    private static final byte[] PSK = bytes(32, 3);
    private static final byte[] APP_ID = bytes(32, 9);
    private static final byte[] MASTER_SECRET = bytes(48, 5);
    private static final byte[] SESSION_ID = bytes(32, 11);
    /** Sent by the test through the client's socket after a handshake: once the server has it, it has everything sent before. */
    private static final byte[] END_MARKER = "end of the client's datagrams".getBytes(StandardCharsets.US_ASCII);
    /** Signalling values in the cipher suite list (RFC 5746, RFC 7507), not suites that could be negotiated. */
    private static final List<Integer> SIGNALLING =
            List.of(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV, CipherSuite.TLS_FALLBACK_SCSV);

    private final TlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void pskModeCarriesTheAppIdAndEchoesData() throws Exception {
        EchoServer server = new EchoServer(new PskServer());
        DtlsChannel channel = connect(
                server, new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM));

        assertThat(channel.mode()).isEqualTo(DtlsHandshake.Mode.PSK);
        assertThat(channel.suite()).isEqualTo(DtlsSuite.PSK_AES_256_GCM);
        assertThat(server.offeredSessionId.get(5, TimeUnit.SECONDS))
                .as("the App-ID in the ClientHello's session_id")
                .isEqualTo(APP_ID);
        assertEchoes(channel);
    }

    /** ocserv's PSK priority allows other suites too; the client offers only the two whose records it can carry. */
    @Test
    void pskModeOffersExactlyThePskAesGcmSuites() throws Exception {
        EchoServer server = new EchoServer(new PskServer());
        connect(server, new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM));

        DtlsWire.ClientHello hello = DtlsWire.clientHello(server.fromClient.getFirst());
        assertThat(hello.sessionId()).isEqualTo(APP_ID);
        assertThat(suites(hello))
                .containsExactly(
                        CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256);
    }

    @ParameterizedTest
    @EnumSource(names = {"RSA_AES_256_GCM", "RSA_AES_128_GCM"})
    void legacyModeOffersOnlyTheSuiteTheGatewayChose(DtlsSuite chosen) throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(chosen, MASTER_SECRET));
        DtlsChannel channel = connect(
                server, new DtlsHandshake.Request(DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, chosen));

        DtlsWire.ClientHello hello = DtlsWire.clientHello(server.fromClient.getFirst());
        assertThat(hello.sessionId()).isEqualTo(SESSION_ID);
        assertThat(suites(hello)).containsExactly(chosen.code());
        assertThat(channel.suite()).isEqualTo(chosen);
        assertEchoes(channel);
    }

    @Test
    void legacyModeResumesTheGatewaysSessionWithTheClientsMasterSecret() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(DtlsSuite.RSA_AES_256_GCM, MASTER_SECRET));
        DtlsChannel channel = connect(
                server,
                new DtlsHandshake.Request(
                        DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM));

        assertThat(channel.mode()).isEqualTo(DtlsHandshake.Mode.LEGACY);
        assertThat(channel.suite()).isEqualTo(DtlsSuite.RSA_AES_256_GCM);
        assertThat(server.offeredSessionId.get(5, TimeUnit.SECONDS)).isEqualTo(SESSION_ID);
        assertEchoes(channel);
    }

    /**
     * Cisco's X-DTLS12-CipherSuite names with ECDHE (ocserv 1.2 and later accept the RSA ones; ocserv 1.1.6, the lab's,
     * knows none): the session is resumed, so no key exchange runs, but the ClientHello must carry the suite's own code.
     */
    @ParameterizedTest
    @EnumSource(
            value = DtlsSuite.class,
            names = {
                "ECDHE_RSA_AES_256_GCM",
                "ECDHE_RSA_AES_128_GCM",
                "ECDHE_ECDSA_AES_256_GCM",
                "ECDHE_ECDSA_AES_128_GCM"
            })
    void legacyModeResumesTheEcdheNamedSuites(DtlsSuite suite) throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(suite, MASTER_SECRET));
        DtlsChannel channel =
                connect(server, new DtlsHandshake.Request(DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, suite));

        assertThat(channel.suite()).isEqualTo(suite);
        assertThat(server.handshakeCompleted.get(5, TimeUnit.SECONDS)).isTrue();
        assertEchoes(channel);
    }

    /**
     * The client's Finished is encrypted under keys the gateway does not share, so the handshake fails in epoch 1,
     * where an alert would be encrypted too: what must not happen shows in the record header, which is in clear.
     */
    @Test
    void aWrongPskFailsTheHandshakeWithoutSendingAnAlert() throws Exception {
        EchoServer server = new EchoServer(new PskServer());
        UdpSocket socket = socketTo(server);
        DtlsHandshake.Request wrong =
                new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, bytes(32, 77), APP_ID, DtlsSuite.PSK_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, wrong, 1472, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class);

        List<byte[]> sent = everythingTheClientSent(socket, server);
        assertThat(sent)
                .as("the client's key exchange and Finished went out (the failure is in epoch 1)")
                .anyMatch(d -> DtlsWire.records(d).stream().anyMatch(r -> r.epoch() == 1));
        assertThat(sent)
                .as("ocserv ends the whole session, CSTP included, when it receives a DTLS alert")
                .noneMatch(DtlsWire::carriesAlert);
    }

    /**
     * The attack of the security review: someone on the UDP path answers the ClientHello by resuming the session the
     * client offers as the App-ID, with the secret it once had (48 zero bytes). The client must complete nothing.
     */
    @Test
    void pskModeRefusesAServerThatResumesTheOfferedSession() throws Exception {
        DatagramSocket attackerSocket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DtlsAttacker attacker = new DtlsAttacker(attackerSocket);
        open.add(attacker);
        UdpSocket socket = UdpSocket.connect(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), attackerSocket.getLocalPort()), 65536);
        open.add(socket);
        DtlsHandshake.Request request =
                new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("resumed the session offered as the App-ID");
        await().atMost(Duration.ofSeconds(10)).until(() -> attacker.handshakesAbandoned() == 1);
        assertThat(attacker.resumptionsOffered())
                .as("the attacker did offer the resumption")
                .isEqualTo(1);
        assertThat(attacker.handshakesCompleted())
                .as("the attacker completed no handshake")
                .isZero();
    }

    /**
     * Legacy mode takes only the resumption of the gateway's session: a server that starts a full handshake with a
     * certificate (one it could complete: it has the key) is refused at its ServerHello, in epoch 0, where an alert
     * would be plaintext and readable. The client sends nothing after its ClientHello: no key exchange to the
     * server's key, and no alert.
     */
    @Test
    void legacyModeRefusesAFullCertificateHandshake() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(DtlsSuite.RSA_AES_256_GCM, null));
        UdpSocket socket = socketTo(server);
        DtlsHandshake.Request request = new DtlsHandshake.Request(
                DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not resume the gateway's session");

        List<byte[]> sent = everythingTheClientSent(socket, server);
        assertThat(sent)
                .as("only ClientHellos: no key exchange, no alert")
                .isNotEmpty()
                .allMatch(DtlsWire::isClientHello);
        assertThat(server.receivedAlert).isFalse();
        assertThat(server.handshakeCompleted.getNow(false))
                .as("the server completed no handshake")
                .isFalse();
    }

    /**
     * The gateway resumes its session with another master secret than the one the client sent (here the 48 zero bytes
     * an attacker would try): the keys differ, the client cannot verify the gateway's Finished and completes nothing.
     */
    @Test
    void aWrongLegacyMasterSecretFailsTheHandshake() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(DtlsSuite.RSA_AES_256_GCM, new byte[48]));
        UdpSocket socket = socketTo(server);
        DtlsHandshake.Request request = new DtlsHandshake.Request(
                DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class);

        List<byte[]> sent = everythingTheClientSent(socket, server);
        assertThat(server.handshakeCompleted.getNow(false))
                .as("the server completed no handshake")
                .isFalse();
        assertThat(sent)
                .as("the client never sent its Finished")
                .noneMatch(d -> DtlsWire.records(d).stream().anyMatch(r -> r.epoch() == 1));
        assertThat(sent).noneMatch(DtlsWire::carriesAlert);
    }

    /**
     * A gateway that refuses the handshake says so with a fatal alert (here: it shares no suite with the client). The
     * client gives up at once, long before its handshake timeout, names the alert, and sends no alert back.
     */
    @Test
    void anAlertFromTheGatewayEndsTheHandshakeAtOnce() throws Exception {
        EchoServer server = new EchoServer(new PskServer(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256));
        UdpSocket socket = socketTo(server);
        DtlsHandshake.Request request =
                new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM);
        Duration timeout = Duration.ofSeconds(30);

        long started = System.nanoTime();
        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, timeout))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("handshake_failure");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("ended by the alert, not the timeout")
                .isLessThan(timeout.dividedBy(2));
        assertThat(everythingTheClientSent(socket, server)).noneMatch(DtlsWire::carriesAlert);
    }

    /**
     * In the abbreviated (legacy) handshake the client sends the last flight. When it is lost the gateway repeats its
     * own flight, which arrives after the client has gone over to the data phase: the channel must send its last
     * flight again, or the gateway never completes.
     */
    @Test
    void aLostLastFlightIsSentAgainWhenTheGatewayRepeatsItsOwn() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(DtlsSuite.RSA_AES_256_GCM, MASTER_SECRET));
        // The first copy of each handshake datagram after the ClientHello is lost: the client's last flight, whatever
        // the timing.
        server.lose = datagram -> !DtlsWire.isClientHello(datagram)
                && DtlsWire.records(datagram).stream().noneMatch(r -> r.type() == DtlsWire.APPLICATION_DATA)
                && server.dropped.stream().noneMatch(lost -> Arrays.equals(lost, datagram));
        DtlsChannel channel = connect(
                server,
                new DtlsHandshake.Request(
                        DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!server.handshakeCompleted.isDone() && System.nanoTime() < deadline) {
            channel.socket().awaitReadable(100);
            channel.receivePending((type, code, buf, off, len) -> {}, 16);
        }
        assertThat(server.handshakeCompleted).isCompletedWithValue(true);
        assertThat(server.dropped).as("the client's last flight was lost").isNotEmpty();
        assertThat(server.serverHellosSent.get())
                .as("the gateway repeated its flight")
                .isGreaterThanOrEqualTo(2);
        byte[] lost = server.dropped.getFirst();
        assertThat(server.fromClient.stream().filter(datagram -> Arrays.equals(datagram, lost)))
                .as("the lost datagram, sent again as it was")
                .hasSizeGreaterThanOrEqualTo(2);
        assertEchoes(channel);
    }

    @Test
    void aSilentGatewayTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            UdpSocket socket = UdpSocket.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), 65536);
            open.add(socket);
            long started = System.nanoTime();
            assertThatThrownBy(() -> DtlsHandshake.connect(
                            socket,
                            new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM),
                            1472,
                            Duration.ofSeconds(2)))
                    .isInstanceOf(IOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
        }
    }

    /**
     * Bouncy Castle hands every datagram of the handshake to the transport: the alert it sends when a handshake
     * fails too. The transport drops alerts in any epoch and lets everything else through, noting the last flight.
     */
    @Test
    void theHandshakesTransportDropsAlertsAndKeepsTheLastFlight() throws Exception {
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            peer.setSoTimeout(5000);
            UdpSocket socket = UdpSocket.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort()), 65536);
            open.add(socket);
            DtlsHandshake.RecordingTransport transport = new DtlsHandshake.RecordingTransport(socket, 1472);
            byte[] hello = DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 0, 0, new byte[] {1, 2, 3});
            byte[] keyExchange = DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 0, 1, new byte[] {16, 5});
            byte[] plainAlert = DtlsWire.plaintextRecord(DtlsWire.ALERT, 0, 2, new byte[] {2, 40});
            byte[] changeCipherSpec = DtlsWire.plaintextRecord(DtlsWire.CHANGE_CIPHER_SPEC, 0, 3, new byte[] {1});
            byte[] finished = DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 1, 0, new byte[40]);
            byte[] sealedAlert = DtlsWire.plaintextRecord(DtlsWire.ALERT, 1, 1, new byte[26]);

            transport.send(hello, 0, hello.length);
            DatagramPacket received = new DatagramPacket(new byte[2048], 2048);
            peer.receive(received);
            byte[] reply = DtlsWire.plaintextRecord(DtlsWire.HANDSHAKE, 0, 0, new byte[] {2});
            peer.send(new DatagramPacket(reply, reply.length, received.getSocketAddress()));
            assertThat(transport.receive(new byte[2048], 0, 2048, 5000)).isEqualTo(reply.length);
            for (byte[] datagram : List.of(keyExchange, plainAlert, changeCipherSpec, finished, sealedAlert)) {
                transport.send(datagram, 0, datagram.length);
            }
            transport.send(END_MARKER, 0, END_MARKER.length);

            List<byte[]> arrived = new ArrayList<>();
            do {
                peer.receive(received);
                arrived.add(Arrays.copyOf(received.getData(), received.getLength()));
            } while (!Arrays.equals(arrived.getLast(), END_MARKER));
            assertThat(arrived).containsExactly(keyExchange, changeCipherSpec, finished, END_MARKER);
            assertThat(transport.lastFlight())
                    .as("what the client sent since the gateway's last datagram, alerts excepted")
                    .containsExactly(keyExchange, changeCipherSpec, finished, END_MARKER);
            assertThat(transport.highestSequence(0))
                    .as("the record layer's epoch 0 continues after it")
                    .isEqualTo(3);
        }
    }

    private DtlsChannel connect(EchoServer server, DtlsHandshake.Request request) throws Exception {
        UdpSocket socket = UdpSocket.connect(server.address(), 65536);
        DtlsChannel channel = DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(5));
        open.add(channel);
        return channel;
    }

    private UdpSocket socketTo(EchoServer server) throws Exception {
        UdpSocket socket = UdpSocket.connect(server.address(), 65536);
        open.add(socket);
        return socket;
    }

    /**
     * Every datagram the client sent the server, as it arrived. The handshake sends synchronously, and loopback keeps
     * the order of one socket's datagrams, so once the marker sent after the handshake has arrived, everything has.
     */
    private static List<byte[]> everythingTheClientSent(UdpSocket socket, EchoServer server) throws Exception {
        socket.send(END_MARKER, 0, END_MARKER.length);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.fromClient.stream().anyMatch(d -> Arrays.equals(d, END_MARKER)));
        return server.fromClient.stream()
                .filter(d -> !Arrays.equals(d, END_MARKER))
                .toList();
    }

    private static List<Integer> suites(DtlsWire.ClientHello hello) {
        return hello.cipherSuites().stream()
                .filter(suite -> !SIGNALLING.contains(suite))
                .toList();
    }

    private static void assertEchoes(DtlsChannel channel) throws Exception {
        assertThat(channel.maxPacket()).isEqualTo(1472 - GcmRecordLayer.OVERHEAD - 1);
        List<byte[]> received = new ArrayList<>();
        for (int size : new int[] {1, 100, channel.maxPacket()}) {
            byte[] buf = new byte[DtlsChannel.HEADROOM + size + DtlsChannel.TAILROOM];
            byte[] packet = bytes(size, size);
            System.arraycopy(packet, 0, buf, DtlsChannel.HEADROOM, size);
            assertThat(channel.sendData(buf, DtlsChannel.HEADROOM, size))
                    .as("nothing dropped")
                    .isZero();
            assertThat(channel.flushData()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int before = received.size();
            while (received.size() == before && System.nanoTime() < deadline) {
                channel.socket().awaitReadable(200);
                channel.receivePending(
                        (type, code, b, off, len) -> {
                            assertThat(type).isEqualTo(PacketType.DATA);
                            received.add(Arrays.copyOfRange(b, off, off + len));
                        },
                        16);
            }
            assertThat(received).hasSize(before + 1);
            assertThat(received.getLast()).isEqualTo(packet);
        }
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i * 13);
        }
        return bytes;
    }

    /**
     * A Bouncy Castle DTLS server on loopback: accepts one client, then echoes each record back. It records every
     * datagram from the client, during the handshake and after it, failed or not, until the test ends.
     */
    private final class EchoServer {
        final CompletableFuture<byte[]> offeredSessionId = new CompletableFuture<>();
        final CompletableFuture<Boolean> handshakeCompleted = new CompletableFuture<>();
        final List<byte[]> fromClient = new CopyOnWriteArrayList<>();
        /** The client's datagrams the path lost. */
        final List<byte[]> dropped = new CopyOnWriteArrayList<>();
        /** Datagrams the server sent with a ServerHello in them: more than one means it repeated its flight. */
        final AtomicInteger serverHellosSent = new AtomicInteger();

        volatile boolean receivedAlert;
        /** Which of the client's datagrams the path loses (they are recorded, then dropped); set before the client starts. */
        volatile Predicate<byte[]> lose = datagram -> false;

        private final DatagramSocket socket;

        EchoServer(ServerPeer peer) throws IOException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            open.add(socket);
            peer.bind(this);
            Thread.ofPlatform().daemon().start(() -> serve(peer));
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }

        private void serve(ServerPeer peer) {
            ServerTransport transport = new ServerTransport(this);
            DTLSTransport dtls;
            try {
                dtls = new DTLSServerProtocol().accept(peer.server(), transport);
            } catch (IOException e) {
                handshakeCompleted.complete(false);
                drain(transport);
                return;
            }
            handshakeCompleted.complete(true);
            try {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    int n = dtls.receive(buf, 0, buf.length, 100);
                    if (n > 0) {
                        dtls.send(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the test is over
            }
        }

        /** After a failed handshake: goes on recording what the client sends. */
        private void drain(ServerTransport transport) {
            byte[] buf = new byte[2048];
            try {
                while (!socket.isClosed()) {
                    transport.receive(buf, 0, buf.length, 100);
                }
            } catch (IOException e) {
                // the test is over
            }
        }
    }

    private interface ServerPeer {
        void bind(EchoServer server);

        org.bouncycastle.tls.TlsServer server();
    }

    private final class PskServer extends PSKTlsServer implements ServerPeer {
        private final int[] suites;
        private EchoServer echo;

        /** A server with ocserv's PSK suites. */
        PskServer() {
            this(DtlsSuite.PSK_AES_256_GCM.code(), DtlsSuite.PSK_AES_128_GCM.code());
        }

        PskServer(int... suites) {
            super(crypto, new TlsPSKIdentityManager() {
                @Override
                public byte[] getHint() {
                    return null;
                }

                @Override
                public byte[] getPSK(byte[] identity) {
                    return PSK.clone();
                }
            });
            this.suites = suites;
        }

        @Override
        public void bind(EchoServer server) {
            this.echo = server;
        }

        @Override
        public org.bouncycastle.tls.TlsServer server() {
            return this;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return suites.clone();
        }

        @Override
        public TlsSession getSessionToResume(byte[] sessionID) {
            echo.offeredSessionId.complete(sessionID);
            return null; // as ocserv: the App-ID identifies, it never resumes
        }

        @Override
        public void notifyAlertReceived(short alertLevel, short alertDescription) {
            echo.receivedAlert = true;
        }
    }

    /**
     * A legacy gateway: resumes the session the client offers with its master secret, as ocserv does; or, given no
     * secret, answers with a full handshake with an RSA certificate whose key it has.
     */
    private final class LegacyServer extends DefaultTlsServer implements ServerPeer {
        private final DtlsSuite suite;
        private final byte[] masterSecret;
        private EchoServer echo;

        LegacyServer(DtlsSuite suite, byte[] masterSecret) {
            super(crypto);
            this.suite = suite;
            this.masterSecret = masterSecret;
        }

        @Override
        public void bind(EchoServer server) {
            this.echo = server;
        }

        @Override
        public org.bouncycastle.tls.TlsServer server() {
            return this;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {suite.code()};
        }

        @Override
        public boolean allowLegacyResumption() {
            return true;
        }

        /** Bouncy Castle's default is one second; a loaded machine must not see retransmissions as losses. */
        @Override
        public int getHandshakeResendTimeMillis() {
            return 500;
        }

        @Override
        public TlsSession getSessionToResume(byte[] sessionID) {
            echo.offeredSessionId.complete(sessionID);
            if (masterSecret == null) {
                return null;
            }
            SessionParameters parameters = new SessionParameters.Builder()
                    .setCipherSuite(suite.code())
                    .setNegotiatedVersion(ProtocolVersion.DTLSv12)
                    .setExtendedMasterSecret(false)
                    .setMasterSecret(getCrypto().createSecret(masterSecret))
                    .build();
            return TlsUtils.importSession(sessionID, parameters);
        }

        @Override
        protected TlsCredentialedDecryptor getRSAEncryptionCredentials() {
            Certificate certificate;
            try {
                certificate = new Certificate(new TlsCertificate[] {
                    crypto.createCertificate(RsaIdentity.IDENTITY.certificate().getEncoded())
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new JceDefaultTlsCredentialedDecryptor(
                    (JcaTlsCrypto) crypto,
                    certificate,
                    RsaIdentity.IDENTITY.key().getPrivate());
        }

        @Override
        public void notifyAlertReceived(short alertLevel, short alertDescription) {
            echo.receivedAlert = true;
        }
    }

    /** One RSA key for the full-handshake server, made once: RSA key generation is slow. */
    private static final class RsaIdentity {
        static final TestCertificates.Identity IDENTITY;

        static {
            KeyPair key = TestCertificates.rsaKey();
            IDENTITY = TestCertificates.selfSigned(key, "dtls-gateway.test");
        }
    }

    /**
     * The server side's socket: connected to the client once its first datagram arrives; records each datagram from
     * the client, and loses those the test says the path loses. Closing it leaves the socket to the test, so that
     * recording goes on after a failed handshake.
     */
    private static final class ServerTransport implements DatagramTransport {
        private final EchoServer server;
        private final DatagramSocket socket;

        ServerTransport(EchoServer server) {
            this.server = server;
            this.socket = server.socket;
        }

        @Override
        public int getReceiveLimit() {
            return 1500;
        }

        @Override
        public int getSendLimit() {
            return 1472;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(waitMillis, 1));
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return -1;
                }
                DatagramPacket packet = new DatagramPacket(buf, off, len);
                try {
                    socket.setSoTimeout((int) left);
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return -1;
                } catch (SocketException e) {
                    throw new IOException("the test is over", e); // closed
                }
                if (!socket.isConnected()) {
                    socket.connect(packet.getSocketAddress());
                }
                byte[] datagram = Arrays.copyOfRange(buf, off, off + packet.getLength());
                server.fromClient.add(datagram);
                if (server.lose.test(datagram)) {
                    server.dropped.add(datagram);
                    continue;
                }
                return packet.getLength();
            }
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            byte[] datagram = Arrays.copyOfRange(buf, off, off + len);
            if (DtlsWire.records(datagram).stream()
                    .anyMatch(r -> r.type() == DtlsWire.HANDSHAKE
                            && r.epoch() == 0
                            && r.handshakeType() == DtlsWire.SERVER_HELLO)) {
                server.serverHellosSent.incrementAndGet(); // counted before it leaves: the client's answer comes after
            }
            socket.send(new DatagramPacket(buf, off, len));
        }

        @Override
        public void close() {
            // The test closes the socket: recording goes on after a failed handshake.
        }
    }
}
