package dev.corridor.sidecar.transport.dtls;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * Establishes DTLS with the gateway: Bouncy Castle runs the handshake (with the JDK's crypto, whose AES-GCM is
 * hardware-accelerated), and the keys it negotiates go to {@link DtlsRecordLayer} for the data.
 *
 * <ul>
 *   <li>PSK-NEGOTIATE: a full DTLS 1.2 PSK handshake; the key is the control session's TLS exporter value; the
 *       gateway's App-ID travels as the ClientHello session_id, or ocserv silently ignores the hello.</li>
 *   <li>Legacy: an abbreviated handshake resuming the gateway's Session-ID with the master secret the client sent
 *       in X-DTLS-Master-Secret, without extended master secret (ocserv disables it there), with the suite the
 *       gateway named (an ECDHE name is resumed like the others: its key exchange never runs).</li>
 *   <li>Legacy DTLS 0.9 ({@code AES256-SHA}, {@code AES128-SHA}, Cisco's default): the same resumption over
 *       Cisco's pre-RFC version, which Bouncy Castle does not speak: {@link Dtls09Handshake}.</li>
 * </ul>
 *
 * <p>Either way the keys depend on a secret that only ever travelled inside the verified TLS channel (the exporter
 * value, or the master secret we sent there), so nobody on the UDP path can complete a handshake: a server that
 * answers PSK mode by resuming the offered session, or legacy mode with a full handshake, is refused.
 */
public final class DtlsHandshake {
    /** The epoch the keys take effect in, right after ChangeCipherSpec. */
    static final int DATA_EPOCH = 1;

    public enum Mode {
        PSK,
        LEGACY;

        /** How status, logs and metrics name it: psk, legacy. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private DtlsHandshake() {}

    /**
     * What one handshake needs.
     *
     * @param secret    the 32-byte PSK, or the 48-byte legacy master secret
     * @param sessionId the gateway's App-ID (PSK) or Session-ID (legacy)
     * @param suite     the legacy suite the gateway chose; ignored in PSK mode
     * @param cipher    the gateway's choice by its OpenConnect name, as {@code /status} shows it
     */
    public record Request(Mode mode, byte[] secret, byte[] sessionId, DtlsSuite suite, DtlsCipher cipher) {
        public Request {
            secret = secret.clone();
            sessionId = sessionId.clone();
        }

        /** A request named after the suite's usual OpenConnect name. */
        public Request(Mode mode, byte[] secret, byte[] sessionId, DtlsSuite suite) {
            this(mode, secret, sessionId, suite, mode == Mode.PSK ? DtlsCipher.PSK_NEGOTIATE : usualName(suite));
        }

        private static DtlsCipher usualName(DtlsSuite suite) {
            for (DtlsCipher cipher : DtlsCipher.values()) {
                if (DtlsSuite.of(cipher).orElse(null) == suite) {
                    return cipher;
                }
            }
            throw new IllegalArgumentException(suite + " has no OpenConnect name");
        }

        @Override
        public String toString() {
            return "Request[" + mode + ", " + cipher.openConnectName() + "]"; // never the secret
        }
    }

    /**
     * Runs the handshake over a UDP socket connected to the gateway. On success the socket belongs to the
     * returned channel; on failure the caller closes it (closing it from another thread aborts the handshake).
     *
     * @param datagramLimit the largest UDP payload the path carries: the base MTU less the IP and UDP headers
     * @throws IOException when the gateway does not answer within {@code timeout} or the handshake fails
     */
    public static DtlsChannel connect(UdpSocket socket, Request request, int datagramLimit, Duration timeout)
            throws IOException {
        if (request.mode() == Mode.LEGACY && request.suite().protocol() == DtlsCipher.Protocol.DTLS_0_9) {
            return Dtls09Handshake.connect(socket, request, datagramLimit, timeout); // Bouncy Castle has no DTLS 0.9
        }
        RecordingTransport transport = new RecordingTransport(socket, datagramLimit);
        TlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
        KeyBlockCapture capture = new KeyBlockCapture();
        new DTLSClientProtocol()
                .connect(new GatewayClient(crypto, request, capture, (int) timeout.toMillis()), transport);
        // The DTLSTransport Bouncy Castle returns is dropped unclosed: closing it would send close_notify,
        // which must never happen while the CSTP channel stays up (ocserv 1.1.6 then busy-loops).
        DtlsKeys keys = DtlsKeys.fromKeyBlock(
                capture.suite, DATA_EPOCH, capture.keyBlock, transport.highestSequence(DATA_EPOCH) + 1);
        return new DtlsChannel(socket, DtlsRecordLayer.of(keys), request.mode(), datagramLimit, transport.lastFlight());
    }

    /** Takes the key block while Bouncy Castle still holds the master secret: it wipes it after the handshake. */
    private static final class KeyBlockCapture {
        private DtlsSuite suite;
        private byte[] keyBlock;

        void capture(TlsClientContext context) throws IOException {
            SecurityParameters parameters = context.getSecurityParametersConnection();
            suite = DtlsSuite.ofCode(parameters.getCipherSuite())
                    .orElseThrow(() -> new TlsFatalAlert(AlertDescription.handshake_failure));
            byte[] seed = org.bouncycastle.util.Arrays.concatenate(
                    parameters.getServerRandom(), parameters.getClientRandom());
            keyBlock = TlsUtils.PRF(
                            parameters,
                            parameters.getMasterSecret(),
                            "key expansion",
                            seed,
                            DtlsKeys.keyBlockLength(suite))
                    .extract();
        }
    }

    /** The Bouncy Castle client for either mode: what differs is the suites, the identity and the session offered. */
    private static final class GatewayClient extends AbstractTlsClient {
        private final Request request;
        private final KeyBlockCapture capture;
        private final int timeoutMillis;
        private boolean serverResumes;

        GatewayClient(TlsCrypto crypto, Request request, KeyBlockCapture capture, int timeoutMillis) {
            super(crypto);
            this.request = request;
            this.capture = capture;
            this.timeoutMillis = timeoutMillis;
        }

        private boolean psk() {
            return request.mode() == Mode.PSK;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return psk()
                    ? new int[] {DtlsSuite.PSK_AES_256_GCM.code(), DtlsSuite.PSK_AES_128_GCM.code()}
                    : new int[] {request.suite().code()};
        }

        @Override
        public TlsPSKIdentity getPSKIdentity() {
            return psk() ? new BasicTlsPSKIdentity("psk", request.secret()) : null; // ocserv ignores the identity
        }

        /**
         * Bouncy Castle puts a session's ID in the ClientHello's session_id only when it offers to resume it. In
         * legacy mode that resumption is the point; in PSK mode the App-ID goes in as a session that must never be
         * resumed (the gateway answers with a full handshake). Its placeholder secret is random and never leaves this
         * object: were it known (it once was 48 zero bytes), anyone on the path could "resume" it and read the data.
         */
        @Override
        public TlsSession getSessionToResume() {
            byte[] placeholder = new byte[48];
            getCrypto().getSecureRandom().nextBytes(placeholder);
            SessionParameters session = new SessionParameters.Builder()
                    .setCipherSuite(
                            psk()
                                    ? DtlsSuite.PSK_AES_256_GCM.code()
                                    : request.suite().code())
                    .setNegotiatedVersion(ProtocolVersion.DTLSv12)
                    .setExtendedMasterSecret(psk())
                    .setMasterSecret(getCrypto().createSecret(psk() ? placeholder : request.secret()))
                    .build();
            return TlsUtils.importSession(request.sessionId(), session);
        }

        /** The session_id of the ServerHello: the same as ours means the server resumes our session. */
        @Override
        public void notifySessionID(byte[] sessionId) {
            serverResumes = sessionId.length > 0 && Arrays.equals(sessionId, request.sessionId());
        }

        /** ocserv resumes legacy sessions with %NO_SESSION_HASH. */
        @Override
        public boolean shouldUseExtendedMasterSecret() {
            return psk();
        }

        /**
         * Bouncy Castle's first callback after the ServerHello that may refuse it (it always comes, and before any
         * key is used): PSK mode takes only a full handshake, which needs the PSK; legacy mode only the resumption,
         * which needs the master secret.
         */
        @Override
        public void notifySecureRenegotiation(boolean secureRenegotiation) throws IOException {
            if (psk() && serverResumes) {
                throw new TlsFatalAlert(
                        AlertDescription.handshake_failure,
                        "the DTLS server resumed the session offered as the "
                                + "App-ID instead of running the PSK handshake: not the gateway (an attacker on the UDP path?)");
            }
            if (!psk() && !serverResumes) {
                throw new TlsFatalAlert(
                        AlertDescription.handshake_failure, "the DTLS server did not resume the gateway's session");
            }
            if (psk()) {
                super.notifySecureRenegotiation(secureRenegotiation);
            }
            // Legacy: ocserv disables safe renegotiation there, and there is no renegotiation to protect.
        }

        /** No mode takes a certificate: a gateway that starts a certificate-based full handshake is refused. */
        @Override
        public TlsAuthentication getAuthentication() throws IOException {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return timeoutMillis;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            if (context.getSecurityParametersConnection().isResumedSession() != !psk()) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure); // the checks above make this unreachable
            }
            capture.capture(context);
        }
    }

    /**
     * The UDP socket as Bouncy Castle sees it during the handshake. It notes the sequence numbers the client
     * used in each epoch (the record layer continues after them) and the datagrams of the client's last flight
     * (sent again if the gateway repeats its own, which means ours was lost). It never lets an alert out:
     * ocserv ends the whole session, CSTP included, when it receives a DTLS alert, and a failed DTLS handshake
     * must only leave the session on CSTP.
     */
    static final class RecordingTransport implements DatagramTransport {
        private final UdpSocket socket;
        private final int datagramLimit;
        private final long[] highestSequence = {-1, -1};
        private List<byte[]> flight = new ArrayList<>();
        private boolean flightComplete;

        RecordingTransport(UdpSocket socket, int datagramLimit) {
            this.socket = socket;
            this.datagramLimit = datagramLimit;
        }

        @Override
        public int getReceiveLimit() {
            return 65535;
        }

        @Override
        public int getSendLimit() {
            return datagramLimit;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            try {
                int received = socket.receive(buf, off, len);
                if (received == 0 && socket.awaitReadable(Math.max(waitMillis, 1))) {
                    received = socket.receive(buf, off, len);
                }
                if (received == 0) {
                    return -1;
                }
                flightComplete = true;
                return received;
            } catch (OsException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            if (len > 0 && buf[off] == DtlsRecordLayer.ALERT) {
                return;
            }
            if (flightComplete) {
                flight = new ArrayList<>();
                flightComplete = false;
            }
            flight.add(Arrays.copyOfRange(buf, off, off + len));
            for (int at = off; at + DtlsRecordLayer.HEADER_LENGTH <= off + len; ) {
                int epoch = (buf[at + 3] & 0xff) << 8 | (buf[at + 4] & 0xff);
                long sequence = 0;
                for (int i = 0; i < 6; i++) {
                    sequence = sequence << 8 | (buf[at + 5 + i] & 0xff);
                }
                if (epoch < highestSequence.length) {
                    highestSequence[epoch] = Math.max(highestSequence[epoch], sequence);
                }
                int length = DtlsRecordLayer.recordLength(buf, at, off + len - at);
                if (length < 0) {
                    break;
                }
                at += length;
            }
            try {
                socket.send(buf, off, len);
            } catch (OsException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            // The socket outlives the handshake: the data phase keeps using it.
        }

        long highestSequence(int epoch) {
            return highestSequence[epoch];
        }

        List<byte[]> lastFlight() {
            return List.copyOf(flight);
        }
    }
}
