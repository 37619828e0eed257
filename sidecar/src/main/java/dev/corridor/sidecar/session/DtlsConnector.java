package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import dev.corridor.sidecar.transport.dtls.DtlsLink;
import java.io.IOException;
import java.time.Duration;

/** Establishes the DTLS channel of a session: a UDP socket and the handshake; tests connect in-process fakes. */
interface DtlsConnector {
    /**
     * The UDP socket's buffers. The kernel's default (about 200 KiB) overflowed under a single TCP stream in the
     * lab, and each overflow is a packet lost inside the tunnel; 1 MiB absorbs the bursts (about 7 ms at
     * 1.2 Gbit/s when full) without becoming a standing queue.
     */
    int SOCKET_BUFFER_BYTES = 1024 * 1024;

    Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Connects; blocks for the handshake, up to its timeout, or until {@link #abort}. */
    DtlsLink connect(DtlsSetup setup) throws IOException, OsException;

    /** Aborts a connect under way on another thread; what comes after fails at once. */
    void abort();

    /** The real one: a socket towards the gateway's DTLS endpoint and the handshake the session's mode needs. */
    static DtlsConnector handshaking() {
        return new DtlsConnector() {
            private volatile UdpSocket handshaking;
            private volatile boolean aborted;

            @Override
            public DtlsLink connect(DtlsSetup setup) throws IOException, OsException {
                UdpSocket socket = UdpSocket.connect(setup.endpoint(), SOCKET_BUFFER_BYTES);
                handshaking = socket;
                try {
                    if (aborted) {
                        throw new IOException("DTLS stopped");
                    }
                    return DtlsHandshake.connect(socket, setup.request(), setup.datagramLimit(), HANDSHAKE_TIMEOUT);
                } catch (IOException | RuntimeException e) {
                    socket.close();
                    throw e;
                } finally {
                    handshaking = null;
                }
            }

            @Override
            public void abort() {
                aborted = true;
                UdpSocket pending = handshaking;
                if (pending != null) {
                    pending.close();
                }
            }
        };
    }
}
