package dev.corridor.sidecar.transport.dtls;

import dev.corridor.sidecar.os.DatagramBatch;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.UdpSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The client side of Cisco's DTLS 0.9 (OpenSSL's {@code DTLS1_BAD_VER}, version 0x0100) as AnyConnect gateways run
 * it: an abbreviated handshake resuming the session the gateway named in {@code X-DTLS-Session-ID}, whose master
 * secret is the one the client sent in {@code X-DTLS-Master-Secret} inside the verified TLS channel. Bouncy Castle
 * does not speak this version, so the few messages are written here:
 *
 * <pre>
 *   ClientHello (session_id, one suite, no extensions)  -&gt;
 *                                                       &lt;-  [HelloVerifyRequest (cookie)]  (then the hello again)
 *                                                       &lt;-  ServerHello (the same session_id), ChangeCipherSpec, Finished
 *   ChangeCipherSpec, Finished                          -&gt;
 * </pre>
 *
 * <p>DTLS 0.9 differs from DTLS 1.0 (RFC 4347) in what GnuTLS ({@code lib/handshake.c}, {@code lib/record.c}) and
 * OpenSSL ({@code ssl/statem}, {@code test/bad_dtls_test.c}) implement for it:
 * <ul>
 *   <li>the version is 01 00 in every record and in the hellos;</li>
 *   <li>the Finished hash (MD5 and SHA-1, TLS 1.0's PRF) covers the handshake messages' bodies only, without the
 *       12-byte DTLS handshake header;</li>
 *   <li>it starts again with the ClientHello that carries the cookie: both implementations reset it after a
 *       HelloVerifyRequest (GnuTLS adds the request to the hash for 0.9, then clears the hash);</li>
 *   <li>ChangeCipherSpec is 3 bytes, 1 and the sender's next handshake message_seq, and takes up that message_seq:
 *       the Finished after it has the next one;</li>
 *   <li>records are protected as TLS 1.1's: explicit IV, HMAC-SHA1 over the 01 00 version ({@link CbcRecordLayer}).</li>
 * </ul>
 *
 * <p>Security: only the resumption is accepted (a ServerHello with another session_id is a full handshake nobody
 * on the path may run, since the keys must come from the secret that travelled inside TLS), and the gateway's
 * Finished must prove it holds that secret before anything is sent under the keys. Nothing is ever answered with an
 * alert: ocserv ends the whole session, CSTP included, on a DTLS alert. A failure leaves the session on CSTP.
 */
final class Dtls09Handshake {
    static final int VERSION = 0x0100;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_HELLO = 2;
    private static final int HELLO_VERIFY_REQUEST = 3;
    private static final int FINISHED = 20;
    private static final int MESSAGE_HEADER = 12;
    private static final int VERIFY_LENGTH = 12;
    private static final int MAX_HELLO_VERIFY_REQUESTS = 5;
    /** RFC 6347 4.2.4.1 starts at 1 s; the gateway's answer normally comes within a round trip. */
    private static final long FIRST_RETRANSMIT_MILLIS = 1000;

    private final UdpSocket socket;
    private final DtlsHandshake.Request request;
    private final DtlsSuite suite;
    private final byte[] clientRandom = new byte[32];
    private final ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    /** One received datagram, as large as the data channel takes; its records are opened in place. */
    private final byte[] buf = new byte[DatagramBatch.SLOT];

    private byte[] cookie = new byte[0];
    private int helloVerifyRequests;
    private int messageSeq;
    private long recordSeq;
    private byte[] flight;
    private byte[] serverRandom;
    private CbcRecordLayer records;
    private DtlsRecordLayer.Opener opener;
    private boolean changeCipherSpec;
    private long retransmitMillis;
    private long retransmitAt;

    private Dtls09Handshake(UdpSocket socket, DtlsHandshake.Request request, SecureRandom random) {
        this.socket = socket;
        this.request = request;
        this.suite = request.suite();
        random.nextBytes(clientRandom);
        long now = System.currentTimeMillis() / 1000;
        for (int i = 0; i < 4; i++) {
            clientRandom[i] = (byte) (now >>> (24 - 8 * i));
        }
    }

    /**
     * Runs the handshake over a UDP socket connected to the gateway; on success the socket belongs to the channel.
     *
     * @throws IOException naming what went wrong: no answer within {@code timeout}, a full handshake offered, a
     *                     Finished that proves the gateway does not hold the master secret
     */
    static DtlsChannel connect(UdpSocket socket, DtlsHandshake.Request request, int datagramLimit, Duration timeout)
            throws IOException {
        if (request.suite().protection() != DtlsSuite.Protection.CBC_SHA1) {
            throw new IllegalArgumentException(request.suite() + " is not a DTLS 0.9 suite");
        }
        Dtls09Handshake handshake = new Dtls09Handshake(socket, request, new SecureRandom());
        return handshake.run(datagramLimit, System.nanoTime() + timeout.toNanos(), timeout);
    }

    private DtlsChannel run(int datagramLimit, long deadline, Duration timeout) throws IOException {
        sendHello();
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new IOException("the gateway did not complete the DTLS 0.9 handshake within "
                        + timeout.toSeconds() + " s" + (serverRandom == null ? " (no ServerHello)" : " (no Finished)"));
            }
            long waitMillis = Math.max(1, Math.min(retransmitAt, deadline) - now) / 1_000_000 + 1;
            int received;
            try {
                received = socket.receive(buf, 0, buf.length);
                if (received == 0 && socket.awaitReadable(waitMillis)) {
                    received = socket.receive(buf, 0, buf.length);
                }
            } catch (OsException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (received == 0) {
                if (System.nanoTime() - retransmitAt >= 0) {
                    send(flight);
                    retransmitMillis = Math.min(retransmitMillis * 2, 60_000);
                    retransmitAt = System.nanoTime() + retransmitMillis * 1_000_000;
                }
                continue;
            }
            byte[] clientFlight = readDatagram(0, received);
            if (clientFlight != null) {
                send(clientFlight);
                return new DtlsChannel(
                        socket, records, DtlsHandshake.Mode.LEGACY, datagramLimit, List.of(clientFlight));
            }
        }
    }

    /** Reads the records of one datagram; returns the client's last flight once the gateway's Finished checked out. */
    private byte[] readDatagram(int from, int end) throws IOException {
        for (int at = from; at < end; ) {
            int length = DtlsRecordLayer.recordLength(buf, at, end - at);
            if (length < 0) {
                return null; // a truncated datagram: what it held is repeated by the gateway, or was never ours
            }
            int type = buf[at] & 0xff;
            int version = (buf[at + 1] & 0xff) << 8 | (buf[at + 2] & 0xff);
            int epoch = (buf[at + 3] & 0xff) << 8 | (buf[at + 4] & 0xff);
            if (version != VERSION) {
                if (type == DtlsRecordLayer.HANDSHAKE && epoch == 0 && version != 0) {
                    throw new IOException("the gateway answered the DTLS 0.9 hello with record version "
                            + String.format("%04X", version)
                            + ": it does not speak Cisco's DTLS 0.9 (choose another --dtls-ciphers)");
                }
            } else if (epoch == 0 && type == DtlsRecordLayer.HANDSHAKE) {
                handshakeMessage(at + DtlsRecordLayer.HEADER_LENGTH, length - DtlsRecordLayer.HEADER_LENGTH);
            } else if (epoch == 0 && type == DtlsRecordLayer.CHANGE_CIPHER_SPEC) {
                // 0.9: 1 and the gateway's message_seq; the value is not checked, as neither GnuTLS nor OpenSSL checks
                // it.
                changeCipherSpec = serverRandom != null
                        && length - DtlsRecordLayer.HEADER_LENGTH == 3
                        && buf[at + DtlsRecordLayer.HEADER_LENGTH] == 1;
            } else if (epoch == 1 && type == DtlsRecordLayer.HANDSHAKE && changeCipherSpec) {
                byte[] clientFlight = serverFinished(at, length);
                if (clientFlight != null) {
                    return clientFlight;
                }
            }
            at += length;
        }
        return null;
    }

    private void handshakeMessage(int off, int len) throws IOException {
        if (len < MESSAGE_HEADER) {
            return;
        }
        int type = buf[off] & 0xff;
        int length = uint24(off + 1);
        int fragmentOffset = uint24(off + 6);
        int fragmentLength = uint24(off + 9);
        if (fragmentOffset != 0 || fragmentLength != length || MESSAGE_HEADER + length > len) {
            return; // hellos are far smaller than any MTU: a fragment is not the gateway's
        }
        int body = off + MESSAGE_HEADER;
        if (type == HELLO_VERIFY_REQUEST && serverRandom == null) {
            helloVerify(body, length);
        } else if (type == SERVER_HELLO && serverRandom == null) {
            serverHello(body, length);
        }
    }

    /** server_version, then the cookie: the hello goes again with it, and the Finished hash starts with that hello. */
    private void helloVerify(int body, int length) throws IOException {
        if (length < 3 || 3 + (buf[body + 2] & 0xff) != length) {
            return;
        }
        if (++helloVerifyRequests > MAX_HELLO_VERIFY_REQUESTS) {
            throw new IOException("the gateway sent " + MAX_HELLO_VERIFY_REQUESTS
                    + " DTLS HelloVerifyRequests without accepting a cookie");
        }
        cookie = Arrays.copyOfRange(buf, body + 3, body + length);
        transcript.reset();
        messageSeq++;
        sendHello();
    }

    private void serverHello(int body, int length) throws IOException {
        int at = body;
        int end = body + length;
        if (length < 2 + 32 + 1) {
            return;
        }
        int version = (buf[at] & 0xff) << 8 | (buf[at + 1] & 0xff);
        if (version != VERSION) {
            throw new IOException("the gateway's DTLS ServerHello has version " + String.format("%04X", version)
                    + ", not DTLS 0.9 (0100)");
        }
        byte[] random = Arrays.copyOfRange(buf, at + 2, at + 34);
        at += 34;
        int idLength = buf[at++] & 0xff;
        if (at + idLength + 3 > end) {
            return;
        }
        byte[] sessionId = Arrays.copyOfRange(buf, at, at + idLength);
        at += idLength;
        int cipherSuite = (buf[at] & 0xff) << 8 | (buf[at + 1] & 0xff);
        int compression = buf[at + 2] & 0xff;
        if (!MessageDigest.isEqual(sessionId, request.sessionId())) {
            throw new IOException("the DTLS server did not resume the gateway's session (it offered a full handshake, "
                    + "which Corridor refuses: the keys must come from the secret sent inside TLS)");
        }
        if (cipherSuite != suite.code() || compression != 0) {
            throw new IOException("the DTLS server resumed with suite " + String.format("%04X", cipherSuite)
                    + " and compression " + compression + ", not the " + suite.standardName()
                    + " the gateway chose in its CONNECT reply");
        }
        transcript.write(buf, body, length);
        serverRandom = random;
        byte[] keyBlock = LegacyPrf.prf(
                request.secret(),
                "key expansion",
                LegacyPrf.concat(serverRandom, clientRandom),
                DtlsKeys.keyBlockLength(suite));
        records = new CbcRecordLayer(DtlsKeys.fromKeyBlock(suite, 1, keyBlock, 0));
        try {
            opener = records.opener().openingHandshakes(true);
        } catch (GeneralSecurityException e) {
            throw new IOException(suite.standardName() + " is unavailable: " + e.getMessage(), e);
        }
    }

    /** Checks the gateway's Finished; returns the client's CCS and Finished, or null when the record was not it. */
    private byte[] serverFinished(int at, int length) throws IOException {
        if (opener.open(buf, at, length) != DtlsRecordLayer.Outcome.HANDSHAKE) {
            return null; // not authentic under these keys: someone else's, dropped
        }
        int off = opener.plaintextOffset();
        if (opener.plaintextLength() != MESSAGE_HEADER + VERIFY_LENGTH
                || (buf[off] & 0xff) != FINISHED
                || uint24(off + 1) != VERIFY_LENGTH) {
            throw new IOException("the gateway's DTLS 0.9 Finished is malformed");
        }
        byte[] received = Arrays.copyOfRange(buf, off + MESSAGE_HEADER, off + MESSAGE_HEADER + VERIFY_LENGTH);
        byte[] expected = LegacyPrf.finished(request.secret(), "server finished", transcript.toByteArray());
        if (!MessageDigest.isEqual(received, expected)) {
            throw new IOException(
                    "the gateway's DTLS 0.9 Finished does not match our handshake: the peer does not hold the "
                            + "master secret sent over TLS");
        }
        transcript.write(received, 0, VERIFY_LENGTH);
        byte[] verify = LegacyPrf.finished(request.secret(), "client finished", transcript.toByteArray());
        return clientFlight(verify);
    }

    /** ChangeCipherSpec (epoch 0, carrying the next message_seq) and Finished (epoch 1, sealed), in one datagram. */
    private byte[] clientFlight(byte[] verify) throws IOException {
        int ccsSeq = ++messageSeq;
        int finishedSeq = ++messageSeq;
        byte[] ccs = record(DtlsRecordLayer.CHANGE_CIPHER_SPEC, new byte[] {1, (byte) (ccsSeq >>> 8), (byte) ccsSeq});
        int plain = CbcRecordLayer.PREFIX;
        byte[] sealed = new byte[plain + MESSAGE_HEADER + VERIFY_LENGTH + DtlsRecordLayer.MAX_SUFFIX];
        writeMessageHeader(sealed, plain, FINISHED, VERIFY_LENGTH, finishedSeq);
        System.arraycopy(verify, 0, sealed, plain + MESSAGE_HEADER, VERIFY_LENGTH);
        int start;
        try {
            start = ((CbcRecordLayer.CbcSealer) records.sealer())
                    .seal(sealed, plain, MESSAGE_HEADER + VERIFY_LENGTH, DtlsRecordLayer.HANDSHAKE);
        } catch (GeneralSecurityException e) {
            throw new IOException("sealing the DTLS 0.9 Finished failed: " + e.getMessage(), e);
        }
        int finishedLength = records.sealedLength(MESSAGE_HEADER + VERIFY_LENGTH);
        byte[] datagram = Arrays.copyOf(ccs, ccs.length + finishedLength);
        System.arraycopy(sealed, start, datagram, ccs.length, finishedLength);
        return datagram;
    }

    private void sendHello() throws IOException {
        int sessionIdLength = request.sessionId().length;
        int bodyLength = 2 + 32 + 1 + sessionIdLength + 1 + cookie.length + 2 + 2 + 2;
        byte[] message = new byte[MESSAGE_HEADER + bodyLength];
        writeMessageHeader(message, 0, CLIENT_HELLO, bodyLength, messageSeq);
        int at = MESSAGE_HEADER;
        message[at++] = (byte) (VERSION >>> 8);
        message[at++] = (byte) VERSION;
        System.arraycopy(clientRandom, 0, message, at, 32);
        at += 32;
        message[at++] = (byte) sessionIdLength;
        System.arraycopy(request.sessionId(), 0, message, at, sessionIdLength);
        at += sessionIdLength;
        message[at++] = (byte) cookie.length;
        System.arraycopy(cookie, 0, message, at, cookie.length);
        at += cookie.length;
        message[at++] = 0;
        message[at++] = 2;
        message[at++] = (byte) (suite.code() >>> 8);
        message[at++] = (byte) suite.code();
        message[at++] = 1; // compression methods: null only
        message[at] = 0;
        transcript.write(message, MESSAGE_HEADER, bodyLength);
        flight = record(DtlsRecordLayer.HANDSHAKE, message);
        send(flight);
        retransmitMillis = FIRST_RETRANSMIT_MILLIS;
        retransmitAt = System.nanoTime() + retransmitMillis * 1_000_000;
    }

    /** An epoch-0 record around a fragment, with the next sequence number. */
    private byte[] record(int type, byte[] fragment) {
        byte[] record = new byte[DtlsRecordLayer.HEADER_LENGTH + fragment.length];
        long sequence = recordSeq++;
        record[0] = (byte) type;
        record[1] = (byte) (VERSION >>> 8);
        record[2] = (byte) VERSION;
        for (int i = 0; i < 6; i++) {
            record[5 + i] = (byte) (sequence >>> (40 - 8 * i));
        }
        record[11] = (byte) (fragment.length >>> 8);
        record[12] = (byte) fragment.length;
        System.arraycopy(fragment, 0, record, DtlsRecordLayer.HEADER_LENGTH, fragment.length);
        return record;
    }

    private static void writeMessageHeader(byte[] target, int off, int type, int length, int sequence) {
        target[off] = (byte) type;
        writeUint24(target, off + 1, length);
        target[off + 4] = (byte) (sequence >>> 8);
        target[off + 5] = (byte) sequence;
        writeUint24(target, off + 6, 0);
        writeUint24(target, off + 9, length);
    }

    private static void writeUint24(byte[] target, int off, int value) {
        target[off] = (byte) (value >>> 16);
        target[off + 1] = (byte) (value >>> 8);
        target[off + 2] = (byte) value;
    }

    private int uint24(int off) {
        return (buf[off] & 0xff) << 16 | (buf[off + 1] & 0xff) << 8 | (buf[off + 2] & 0xff);
    }

    private void send(byte[] datagram) throws IOException {
        try {
            socket.send(datagram, 0, datagram.length);
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Dtls09Handshake[" + suite + ", session " + HexFormat.of().formatHex(request.sessionId(), 0, 4) + "...]";
    }
}
