package dev.corridor.sidecar.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The DTLS 0.9 client's handshake against a gateway scripted here as GnuTLS and OpenSSL behave for DTLS1_BAD_VER:
 * the HelloVerifyRequest round, the ChangeCipherSpec that carries and consumes a message_seq, the Finished over the
 * message bodies; what is refused, and that nothing (no alert above all) answers a refusal. {@link Dtls09FixtureTest}
 * checks the same computations against GnuTLS's bytes; the lab's ocserv runs the whole handshake ({@code DtlsIT}).
 */
class Dtls09HandshakeTest {
    private static final byte[] MASTER = bytes(48, 5);
    private static final byte[] SESSION_ID = bytes(32, 11);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void resumesAfterACookieRoundAndCarriesData() throws Exception {
        Gateway gateway = new Gateway(Behaviour.RESUME, true);
        DtlsChannel channel = connect(gateway, Duration.ofSeconds(5));

        assertThat(gateway.clientFinishedVerified.get(5, TimeUnit.SECONDS))
                .as("the gateway checked our Finished")
                .isTrue();
        assertThat(gateway.helloSessionIds)
                .as("both hellos offer the session")
                .allSatisfy(id -> assertThat(id).isEqualTo(SESSION_ID));
        assertThat(gateway.helloSessionIds).hasSize(2);
        assertThat(channel.suite()).isEqualTo(DtlsSuite.DTLS09_AES_256_CBC_SHA);
        assertThat(channel.maxPacket()).isEqualTo(1418);
        byte[] packet = bytes(channel.maxPacket(), 3);
        byte[] buf = new byte[DtlsChannel.HEADROOM + packet.length + DtlsChannel.TAILROOM];
        System.arraycopy(packet, 0, buf, DtlsChannel.HEADROOM, packet.length);
        channel.sendData(buf, DtlsChannel.HEADROOM, packet.length);
        channel.flushData();
        List<byte[]> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.isEmpty() && System.nanoTime() < deadline) {
            channel.socket().awaitReadable(200);
            channel.receivePending(
                    (type, code, b, off, len) -> {
                        assertThat(type).isEqualTo(PacketType.DATA);
                        received.add(Arrays.copyOfRange(b, off, off + len));
                    },
                    16);
        }
        assertThat(received).containsExactly(packet);
    }

    @Test
    void aFullHandshakeIsRefusedAndNothingAnswersIt() throws Exception {
        Gateway gateway = new Gateway(Behaviour.FULL_HANDSHAKE, false);
        assertThatThrownBy(() -> connect(gateway, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not resume the gateway's session");
        Thread.sleep(300); // anything the client sent after the refusal would have arrived by now
        assertThat(gateway.recordTypesAfterHello)
                .as("no alert, no ChangeCipherSpec, no Finished")
                .isEmpty();
    }

    /** Without the master secret the gateway's Finished does not even authenticate: it is dropped, and the wait runs out. */
    @Test
    void aGatewayWithoutTheMasterSecretGetsNothing() throws Exception {
        Gateway gateway = new Gateway(Behaviour.WRONG_SECRET, false);
        assertThatThrownBy(() -> connect(gateway, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no Finished");
        assertThat(gateway.recordTypesAfterHello)
                .as("no alert, no ChangeCipherSpec, no Finished")
                .isEmpty();
    }

    /** A Finished that authenticates but covers another handshake (say, hellos with their DTLS headers) is refused. */
    @Test
    void aFinishedOverAnotherHandshakeIsRefusedAndNothingAnswersIt() throws Exception {
        Gateway gateway = new Gateway(Behaviour.WRONG_TRANSCRIPT, false);
        assertThatThrownBy(() -> connect(gateway, Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Finished does not match");
        Thread.sleep(300); // anything the client sent after the refusal would have arrived by now
        assertThat(gateway.recordTypesAfterHello)
                .as("no alert, no ChangeCipherSpec, no Finished")
                .isEmpty();
    }

    @Test
    void aSilentGatewayTimesOutWithTheHelloRepeated() throws Exception {
        Gateway gateway = new Gateway(Behaviour.SILENT, false);
        long started = System.nanoTime();
        assertThatThrownBy(() -> connect(gateway, Duration.ofSeconds(4)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no ServerHello");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("the handshake's own timeout, not a hang")
                .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        assertThat(gateway.helloSessionIds.size()).as("sent at 0, 1 and 3 s").isEqualTo(3);
    }

    private DtlsChannel connect(Gateway gateway, Duration timeout) throws Exception {
        UdpSocket socket = UdpSocket.connect(gateway.address(), 65536);
        open.add(socket);
        DtlsHandshake.Request request = new DtlsHandshake.Request(
                DtlsHandshake.Mode.LEGACY, MASTER, SESSION_ID, DtlsSuite.DTLS09_AES_256_CBC_SHA);
        return DtlsHandshake.connect(socket, request, 1472, timeout);
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i * 13);
        }
        return bytes;
    }

    enum Behaviour {
        RESUME,
        FULL_HANDSHAKE,
        WRONG_SECRET,
        WRONG_TRANSCRIPT,
        SILENT
    }

    /** One gateway on loopback: answers the hellos as told, then echoes DATA records back. */
    private final class Gateway {
        final List<byte[]> helloSessionIds = new CopyOnWriteArrayList<>();
        final List<Integer> recordTypesAfterHello = new CopyOnWriteArrayList<>();
        final CompletableFuture<Boolean> clientFinishedVerified = new CompletableFuture<>();
        private final DatagramSocket socket;
        private final Behaviour behaviour;
        private final boolean cookie;
        private final byte[] serverRandom = bytes(32, 77);
        private final byte[] theCookie = bytes(20, 42);
        private final java.io.ByteArrayOutputStream transcript = new java.io.ByteArrayOutputStream();
        private int messageSeq;
        private long recordSeq;
        private DtlsRecordLayer records;
        private DtlsRecordLayer.Opener opener;
        private boolean helloAnswered;

        Gateway(Behaviour behaviour, boolean cookie) throws IOException {
            this.behaviour = behaviour;
            this.cookie = cookie;
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            open.add(socket);
            Thread.ofPlatform().daemon().start(this::serve);
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }

        private void serve() {
            byte[] buf = new byte[4096];
            try {
                socket.setSoTimeout(100);
                while (!socket.isClosed()) {
                    DatagramPacket packet = new DatagramPacket(buf, 0, buf.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    if (!socket.isConnected()) {
                        socket.connect(packet.getSocketAddress());
                    }
                    datagram(buf, 0, packet.getLength());
                }
            } catch (Exception e) {
                clientFinishedVerified.completeExceptionally(e);
            }
        }

        private void datagram(byte[] buf, int from, int end) throws Exception {
            for (int at = from; at < end; ) {
                int length = DtlsRecordLayer.recordLength(buf, at, end - at);
                int type = buf[at] & 0xff;
                int epoch = (buf[at + 3] & 0xff) << 8 | (buf[at + 4] & 0xff);
                if (type == 22 && epoch == 0) {
                    hello(Arrays.copyOfRange(buf, at + 13, at + length));
                } else {
                    if (helloAnswered) {
                        recordTypesAfterHello.add(type);
                    }
                    if (records != null && epoch == 1) {
                        DtlsRecordLayer.Outcome outcome = opener.open(buf, at, length);
                        byte[] plaintext = Arrays.copyOfRange(
                                buf, opener.plaintextOffset(), opener.plaintextOffset() + opener.plaintextLength());
                        if (outcome == DtlsRecordLayer.Outcome.HANDSHAKE) {
                            clientFinished(plaintext);
                        } else if (outcome == DtlsRecordLayer.Outcome.DATA) {
                            echo(plaintext);
                        }
                    } else if (type == 20) {
                        assertThat(length - 13)
                                .as("DTLS 0.9's 3-byte ChangeCipherSpec")
                                .isEqualTo(3);
                        assertThat(buf[at + 13]).isEqualTo((byte) 1);
                        assertThat((buf[at + 14] & 0xff) << 8 | (buf[at + 15] & 0xff))
                                .as("the client's next message_seq")
                                .isEqualTo(cookie ? 2 : 1);
                    }
                }
                at += length;
            }
        }

        private void hello(byte[] message) throws Exception {
            assertThat(message[0]).as("ClientHello").isEqualTo((byte) 1);
            byte[] body = Arrays.copyOfRange(message, 12, message.length);
            assertThat(Arrays.copyOfRange(body, 0, 2))
                    .as("client_version 01 00")
                    .containsExactly(1, 0);
            int idLength = body[34] & 0xff;
            helloSessionIds.add(Arrays.copyOfRange(body, 35, 35 + idLength));
            byte[] offeredCookie =
                    Arrays.copyOfRange(body, 36 + idLength, 36 + idLength + (body[35 + idLength] & 0xff));
            if (behaviour == Behaviour.SILENT || helloAnswered) {
                return;
            }
            if (cookie && offeredCookie.length == 0) {
                transcript.write(new byte[] {9, 9, 9}); // whatever came before the cookie must not count
                byte[] verify = LegacyPrf.concat(new byte[] {1, 0, (byte) theCookie.length}, theCookie);
                send(record(22, 0, message(3, verify)));
                return;
            }
            assertThat(offeredCookie).isEqualTo(cookie ? theCookie : new byte[0]);
            transcript.reset();
            transcript.write(body);
            byte[] clientRandom = Arrays.copyOfRange(body, 2, 34);
            byte[] sessionId = behaviour == Behaviour.FULL_HANDSHAKE ? bytes(32, 99) : SESSION_ID;
            byte[] serverHello = LegacyPrf.concat(
                    LegacyPrf.concat(LegacyPrf.concat(new byte[] {1, 0}, serverRandom), new byte[] {32}),
                    LegacyPrf.concat(sessionId, new byte[] {0, 0x35, 0}));
            transcript.write(serverHello);
            send(record(22, 0, message(2, serverHello)));
            helloAnswered = true;
            if (behaviour == Behaviour.FULL_HANDSHAKE) {
                return; // a certificate would follow: the client must stop here
            }
            byte[] secret = behaviour == Behaviour.WRONG_SECRET ? bytes(48, 6) : MASTER;
            byte[] keyBlock = LegacyPrf.prf(
                    secret, "key expansion", LegacyPrf.concat(serverRandom, clientRandom), 2 * 20 + 2 * 32);
            records = DtlsRecordLayer.of(DtlsKeys.fromKeyBlock(DtlsSuite.DTLS09_AES_256_CBC_SHA, 1, keyBlock, 0)
                    .mirrored(0));
            opener = records.opener().openingHandshakes(true);
            send(record(20, 0, new byte[] {1, 0, (byte) messageSeq++}));
            byte[] hashed = transcript.toByteArray();
            if (behaviour == Behaviour.WRONG_TRANSCRIPT) {
                hashed = LegacyPrf.concat(new byte[] {2, 0, 0, 70, 0, 0, 0, 0, 0, 0, 0, 70}, hashed);
            }
            byte[] verify = LegacyPrf.finished(secret, "server finished", hashed);
            transcript.write(verify);
            byte[] finished = message(20, verify);
            byte[] buf = new byte[CbcRecordLayer.PREFIX + finished.length + DtlsRecordLayer.MAX_SUFFIX];
            System.arraycopy(finished, 0, buf, CbcRecordLayer.PREFIX, finished.length);
            int start =
                    ((CbcRecordLayer.CbcSealer) records.sealer()).seal(buf, CbcRecordLayer.PREFIX, finished.length, 22);
            send(Arrays.copyOfRange(buf, start, start + records.sealedLength(finished.length)));
        }

        private void clientFinished(byte[] plaintext) {
            byte[] expected = LegacyPrf.finished(MASTER, "client finished", transcript.toByteArray());
            assertThat(Arrays.copyOfRange(plaintext, 0, 12))
                    .as("Finished header: message_seq after the CCS's")
                    .containsExactly(20, 0, 0, 12, 0, cookie ? 3 : 2, 0, 0, 0, 0, 0, 12);
            clientFinishedVerified.complete(Arrays.equals(Arrays.copyOfRange(plaintext, 12, 24), expected));
        }

        private void echo(byte[] plaintext) throws Exception {
            byte[] buf = new byte[CbcRecordLayer.PREFIX + plaintext.length + DtlsRecordLayer.MAX_SUFFIX];
            System.arraycopy(plaintext, 0, buf, CbcRecordLayer.PREFIX, plaintext.length);
            int start = records.sealer().seal(buf, CbcRecordLayer.PREFIX, plaintext.length);
            send(Arrays.copyOfRange(buf, start, start + records.sealedLength(plaintext.length)));
        }

        private byte[] message(int type, byte[] body) {
            int seq = messageSeq++;
            byte[] header = {
                (byte) type,
                0,
                (byte) (body.length >>> 8),
                (byte) body.length,
                0,
                (byte) seq,
                0,
                0,
                0,
                0,
                (byte) (body.length >>> 8),
                (byte) body.length
            };
            return LegacyPrf.concat(header, body);
        }

        private byte[] record(int type, int epoch, byte[] fragment) {
            long seq = recordSeq++;
            byte[] header = {
                (byte) type,
                1,
                0,
                0,
                (byte) epoch,
                0,
                0,
                0,
                0,
                0,
                (byte) seq,
                (byte) (fragment.length >>> 8),
                (byte) fragment.length
            };
            return LegacyPrf.concat(header, fragment);
        }

        private void send(byte[] datagram) throws IOException {
            socket.send(new DatagramPacket(datagram, datagram.length));
        }
    }
}
