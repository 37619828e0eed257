package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.TcpSocket;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS over a non-blocking TCP socket with the JDK's SSLEngine. The login uses it blocking, with deadlines; the
 * data thread uses it without ever blocking, waiting on the socket together with the tun device and the DTLS
 * socket. Each {@link #write} makes one TLS record (ocserv requires each CSTP frame in a record of its own), and
 * {@link #flush} sends the records written since in one go.
 *
 * <p>Threads: one thread at a time (the login's, then the data thread); {@link #close} from any.
 */
final class TlsStream implements PlaintextSource, Closeable {
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final TcpSocket socket;
    private final SSLEngine engine;
    /** Ciphertext received and not yet unwrapped, kept in write mode (data between 0 and position). */
    private final ByteBuffer netIn;
    /** Ciphertext wrapped and not yet sent, kept in write mode. */
    private final ByteBuffer netOut;
    /** Room one record needs in {@link #netOut} before a wrap. */
    private final int recordRoom;
    /** The session's plaintext record size, read once the handshake is done rather than (under the engine's locks) per read. */
    private int applicationBufferSize;

    private ByteBuffer sourceView = ByteBuffer.allocate(0);
    /**
     * A record that failed after others in the same read had produced plaintext (typically an alert right behind the
     * reply it ends: ocserv follows a 401 with access_denied): the plaintext is delivered first, the failure next.
     */
    private SSLException deferredFailure;

    TlsStream(TcpSocket socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
        SSLSession session = engine.getSession();
        this.recordRoom = session.getPacketBufferSize();
        this.applicationBufferSize = session.getApplicationBufferSize();
        this.netIn = ByteBuffer.allocate(2 * session.getPacketBufferSize());
        this.netOut = ByteBuffer.allocate(4 * session.getPacketBufferSize());
    }

    TcpSocket socket() {
        return socket;
    }

    SSLSession session() {
        return engine.getSession();
    }

    @Override
    public int applicationBufferSize() {
        return applicationBufferSize;
    }

    /** Runs the handshake to completion by {@code deadline} (System.nanoTime). */
    void handshake(long deadline) throws IOException {
        engine.beginHandshake();
        ByteBuffer scratch = ByteBuffer.allocate(applicationBufferSize());
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    wrap(NOTHING);
                    flushBlocking(deadline);
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    scratch.clear();
                    int buffered = netIn.position();
                    unwrap(scratch);
                    if (engine.isInboundDone()) {
                        // A task that failed (the certificate check) closed the engine: the next wrap throws its
                        // failure.
                        engine.wrap(NOTHING, netOut);
                        throw new EOFException("the gateway closed the connection during the TLS handshake");
                    }
                    boolean stillWaiting = engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP;
                    if (netIn.position() == buffered && stillWaiting) {
                        fillBlocking(
                                deadline); // nothing complete to unwrap: the rest of the gateway's flight is on its way
                    }
                }
                case NEED_TASK -> runTasks();
                case FINISHED, NOT_HANDSHAKING -> {
                    flushBlocking(deadline);
                    applicationBufferSize = engine.getSession().getApplicationBufferSize();
                    return;
                }
            }
        }
    }

    /**
     * Unwraps into {@code dst} (from its position) the records already received, reading the socket once when
     * none are complete. Never blocks.
     *
     * @return plaintext bytes produced (0: nothing yet), or -1 when the gateway closed the connection
     */
    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        int produced = unwrap(dst);
        if (produced > 0 || dst.remaining() < applicationBufferSize()) {
            return produced;
        }
        if (engine.isInboundDone()) {
            return -1; // the gateway's close_notify, after everything it sent before it
        }
        int received = receive();
        if (received < 0) {
            return -1;
        }
        return received == 0 ? 0 : unwrap(dst);
    }

    /** Like {@link #readAvailable} but waits for plaintext until {@code deadline}. */
    @Override
    public int readBlocking(ByteBuffer dst, long deadline) throws IOException {
        while (true) {
            int produced = readAvailable(dst);
            if (produced != 0) {
                return produced;
            }
            awaitReadable(deadline);
        }
    }

    /**
     * Wraps {@code buf[off..off+len)} (at most one record's worth) into one record, which goes out with the next
     * {@link #flush}, so that a batch of records leaves in one system call. When the outgoing buffer has no room for
     * another record, what it holds is sent first.
     *
     * @return false, having wrapped nothing, when earlier records still fill the outgoing buffer
     */
    boolean write(byte[] buf, int off, int len) throws IOException {
        if (netOut.remaining() < recordRoom) {
            flush();
            if (netOut.remaining() < recordRoom) {
                return false;
            }
        }
        // Identity on purpose: the view is rewrapped only when the caller hands over another array.
        @SuppressWarnings("ReferenceEquality")
        boolean otherArray = sourceView.array() != buf;
        if (otherArray) {
            sourceView = ByteBuffer.wrap(buf);
        }
        sourceView.limit(off + len).position(off);
        wrap(sourceView);
        return true;
    }

    /** Writes everything, waiting for the socket until {@code deadline}. */
    void writeBlocking(byte[] buf, int off, int len, long deadline) throws IOException {
        int end = off + len;
        for (int at = off; at < end; ) {
            int chunk = Math.min(end - at, engine.getSession().getApplicationBufferSize());
            while (!write(buf, at, chunk)) {
                awaitWritable(deadline);
            }
            at += chunk;
        }
        flushBlocking(deadline);
    }

    /** Sends what the socket takes now; true when nothing is left waiting. */
    boolean flush() throws IOException {
        netOut.flip();
        try {
            while (netOut.hasRemaining()) {
                int sent = socket.write(netOut.array(), netOut.position(), netOut.remaining());
                if (sent == 0) {
                    break;
                }
                netOut.position(netOut.position() + sent);
            }
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            netOut.compact();
        }
        return netOut.position() == 0;
    }

    boolean hasPendingOutput() {
        return netOut.position() > 0;
    }

    void flushBlocking(long deadline) throws IOException {
        while (!flush()) {
            awaitWritable(deadline);
        }
    }

    /** Closes the TCP connection without a TLS goodbye: it never waits on a gateway that stopped answering. */
    @Override
    public void close() {
        socket.close();
    }

    private void wrap(ByteBuffer source) throws IOException {
        SSLEngineResult result = engine.wrap(source, netOut);
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new EOFException("the gateway closed the TLS connection"); // only its close_notify closes our side
        }
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("TLS could not wrap a record: " + result.getStatus());
        }
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks();
        }
    }

    /**
     * Unwraps complete records from {@link #netIn} into {@code dst} while both allow; returns the plaintext produced.
     * Stops at the gateway's close_notify, which is not answered: the TCP connection is closed without a goodbye.
     */
    private int unwrap(ByteBuffer dst) throws IOException {
        if (deferredFailure != null) {
            throw deferredFailure;
        }
        int produced = 0;
        while (netIn.position() > 0 && dst.remaining() >= applicationBufferSize()) {
            netIn.flip();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, dst);
            } catch (SSLException e) {
                if (produced == 0) {
                    throw e;
                }
                deferredFailure = e;
                return produced;
            } finally {
                netIn.compact();
            }
            produced += result.bytesProduced();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                break;
            }
            switch (result.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> {
                    // A message that wants an answer: the handshake's next flight, or a TLS 1.3 key update.
                    wrap(NOTHING);
                    flush();
                }
                default -> {}
            }
            if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesConsumed() == 0) {
                break;
            }
        }
        return produced;
    }

    /** Reads once from the socket into {@link #netIn}: bytes read, 0 when none are pending, -1 at end of stream. */
    private int receive() throws IOException {
        try {
            int received = socket.read(netIn.array(), netIn.position(), netIn.remaining());
            if (received > 0) {
                netIn.position(netIn.position() + received);
            }
            return received;
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void fillBlocking(long deadline) throws IOException {
        while (true) {
            int received = receive();
            if (received < 0) {
                throw new EOFException("the gateway closed the connection during the TLS handshake");
            }
            if (received > 0) {
                return;
            }
            awaitReadable(deadline);
        }
    }

    private void awaitReadable(long deadline) throws IOException {
        try {
            if (!socket.awaitReadable(remainingMillis(deadline))) {
                throw new SocketTimeoutException("the gateway did not answer in time");
            }
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void awaitWritable(long deadline) throws IOException {
        try {
            if (!socket.awaitWritable(remainingMillis(deadline))) {
                throw new SocketTimeoutException("the gateway did not take our data in time");
            }
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static long remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000;
        if (remaining <= 0) {
            throw new SocketTimeoutException("the gateway did not answer in time");
        }
        return remaining;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
