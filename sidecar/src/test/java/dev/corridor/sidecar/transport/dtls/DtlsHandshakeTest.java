package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import dev.corridor.sidecar.hostile.DtlsAttacker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handshake and the record layer against an independent DTLS implementation: a Bouncy Castle server on
 * loopback that echoes every record it receives. What ocserv does is covered by the lab's integration tests.
 */
class DtlsHandshakeTest {
    private static final byte[] PSK = bytes(32, 3);
    private static final byte[] APP_ID = bytes(32, 9);
    private static final byte[] MASTER_SECRET = bytes(48, 5);
    private static final byte[] SESSION_ID = bytes(32, 11);

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
        DtlsChannel channel = connect(server, new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM));

        assertThat(channel.mode()).isEqualTo(DtlsHandshake.Mode.PSK);
        assertThat(channel.suite()).isEqualTo(DtlsSuite.PSK_AES_256_GCM);
        assertThat(server.offeredSessionId.get(5, TimeUnit.SECONDS)).as("the App-ID in the ClientHello's session_id").isEqualTo(APP_ID);
        assertEchoes(channel);
    }

    @Test
    void legacyModeResumesTheGatewaysSessionWithTheClientsMasterSecret() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(true));
        DtlsChannel channel = connect(server,
                new DtlsHandshake.Request(DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM));

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
    @EnumSource(value = DtlsSuite.class, names = {"ECDHE_RSA_AES_256_GCM", "ECDHE_RSA_AES_128_GCM", "ECDHE_ECDSA_AES_256_GCM",
            "ECDHE_ECDSA_AES_128_GCM"})
    void legacyModeResumesTheEcdheNamedSuites(DtlsSuite suite) throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(true, suite));
        DtlsChannel channel = connect(server, new DtlsHandshake.Request(DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, suite));

        assertThat(channel.suite()).isEqualTo(suite);
        assertThat(server.handshakeCompleted.get(5, TimeUnit.SECONDS)).isTrue();
        assertEchoes(channel);
    }

    @Test
    void aWrongPskFailsTheHandshakeWithoutSendingAnAlert() throws Exception {
        EchoServer server = new EchoServer(new PskServer());
        UdpSocket socket = UdpSocket.connect(server.address(), 65536);
        open.add(socket);
        DtlsHandshake.Request wrong = new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, bytes(32, 77), APP_ID, DtlsSuite.PSK_AES_256_GCM);
        assertThatThrownBy(() -> DtlsHandshake.connect(socket, wrong, 1472, Duration.ofSeconds(3))).isInstanceOf(IOException.class);
        assertThat(server.receivedAlert).as("ocserv ends the whole session on a DTLS alert").isFalse();
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
        UdpSocket socket = UdpSocket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), attackerSocket.getLocalPort()), 65536);
        open.add(socket);
        DtlsHandshake.Request request = new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("resumed the session offered as the App-ID");
        await().atMost(Duration.ofSeconds(10)).until(() -> attacker.handshakesAbandoned() == 1);
        assertThat(attacker.resumptionsOffered()).as("the attacker did offer the resumption").isEqualTo(1);
        assertThat(attacker.handshakesCompleted()).as("the attacker completed no handshake").isZero();
    }

    @Test
    void legacyModeRefusesAFullHandshake() throws Exception {
        EchoServer server = new EchoServer(new LegacyServer(false));
        UdpSocket socket = UdpSocket.connect(server.address(), 65536);
        open.add(socket);
        DtlsHandshake.Request request = new DtlsHandshake.Request(DtlsHandshake.Mode.LEGACY, MASTER_SECRET, SESSION_ID, DtlsSuite.RSA_AES_256_GCM);

        assertThatThrownBy(() -> DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not resume the gateway's session");
        assertThat(server.handshakeCompleted.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void aSilentGatewayTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            UdpSocket socket = UdpSocket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), 65536);
            open.add(socket);
            long started = System.nanoTime();
            assertThatThrownBy(() -> DtlsHandshake.connect(socket,
                    new DtlsHandshake.Request(DtlsHandshake.Mode.PSK, PSK, APP_ID, DtlsSuite.PSK_AES_256_GCM), 1472, Duration.ofSeconds(2)))
                    .isInstanceOf(IOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
        }
    }

    private DtlsChannel connect(EchoServer server, DtlsHandshake.Request request) throws Exception {
        UdpSocket socket = UdpSocket.connect(server.address(), 65536);
        DtlsChannel channel = DtlsHandshake.connect(socket, request, 1472, Duration.ofSeconds(5));
        open.add(channel);
        return channel;
    }

    private static void assertEchoes(DtlsChannel channel) throws Exception {
        assertThat(channel.maxPacket()).isEqualTo(1472 - GcmRecordLayer.OVERHEAD - 1);
        List<byte[]> received = new ArrayList<>();
        for (int size : new int[] {1, 100, channel.maxPacket()}) {
            byte[] buf = new byte[DtlsChannel.HEADROOM + size + DtlsChannel.TAILROOM];
            byte[] packet = bytes(size, size);
            System.arraycopy(packet, 0, buf, DtlsChannel.HEADROOM, size);
            assertThat(channel.sendData(buf, DtlsChannel.HEADROOM, size)).as("nothing dropped").isZero();
            assertThat(channel.flushData()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int before = received.size();
            while (received.size() == before && System.nanoTime() < deadline) {
                channel.socket().awaitReadable(200);
                channel.receivePending((type, code, b, off, len) -> {
                    assertThat(type).isEqualTo(PacketType.DATA);
                    received.add(Arrays.copyOfRange(b, off, off + len));
                }, 16);
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

    /** A Bouncy Castle DTLS server on loopback: accepts one client, then echoes each record back. */
    private final class EchoServer {
        final CompletableFuture<byte[]> offeredSessionId = new CompletableFuture<>();
        final CompletableFuture<Boolean> handshakeCompleted = new CompletableFuture<>();
        volatile boolean receivedAlert;
        private final DatagramSocket socket;

        EchoServer(ServerPeer peer) throws IOException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            open.add(socket::close);
            peer.bind(this);
            Thread.ofPlatform().daemon().start(() -> serve(peer));
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }

        private void serve(ServerPeer peer) {
            try {
                DTLSTransport transport;
                try {
                    transport = new DTLSServerProtocol().accept(peer.server(), new ConnectingTransport(socket));
                } catch (IOException e) {
                    handshakeCompleted.complete(false);
                    throw e;
                }
                handshakeCompleted.complete(true);
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    int n = transport.receive(buf, 0, buf.length, 100);
                    if (n > 0) {
                        transport.send(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the test is over, or the handshake failed as the test wanted
            }
        }
    }

    private interface ServerPeer {
        void bind(EchoServer server);

        org.bouncycastle.tls.TlsServer server();
    }

    private final class PskServer extends PSKTlsServer implements ServerPeer {
        private EchoServer echo;

        PskServer() {
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
            return new int[] {DtlsSuite.PSK_AES_256_GCM.code(), DtlsSuite.PSK_AES_128_GCM.code()}; // as ocserv's PSK priority
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

    private final class LegacyServer extends DefaultTlsServer implements ServerPeer {
        private final boolean resume;
        private final DtlsSuite suite;
        private EchoServer echo;

        /** @param resume false for a server that answers with a full handshake instead */
        LegacyServer(boolean resume) {
            this(resume, DtlsSuite.RSA_AES_256_GCM);
        }

        LegacyServer(boolean resume, DtlsSuite suite) {
            super(crypto);
            this.resume = resume;
            this.suite = suite;
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

        @Override
        public TlsSession getSessionToResume(byte[] sessionID) {
            echo.offeredSessionId.complete(sessionID);
            if (!resume) {
                return null;
            }
            SessionParameters parameters = new SessionParameters.Builder()
                    .setCipherSuite(suite.code())
                    .setNegotiatedVersion(ProtocolVersion.DTLSv12)
                    .setExtendedMasterSecret(false)
                    .setMasterSecret(getCrypto().createSecret(MASTER_SECRET))
                    .build();
            return TlsUtils.importSession(sessionID, parameters);
        }
    }

    /** The server side's socket: connected to the client once its first datagram arrives. */
    private static final class ConnectingTransport implements DatagramTransport {
        private final DatagramSocket socket;

        ConnectingTransport(DatagramSocket socket) {
            this.socket = socket;
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
            socket.setSoTimeout(Math.max(waitMillis, 1));
            DatagramPacket packet = new DatagramPacket(buf, off, len);
            try {
                socket.receive(packet);
            } catch (java.net.SocketTimeoutException e) {
                return -1;
            }
            if (!socket.isConnected()) {
                socket.connect(packet.getSocketAddress());
            }
            return packet.getLength();
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            socket.send(new DatagramPacket(buf, off, len));
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
