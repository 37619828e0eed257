package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.os.TcpSocket;
import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CSTP channel: AnyConnect packets framed over the TLS connection that carried {@code CONNECT}, one frame per
 * TLS record, as ocserv requires.
 *
 * <p>Threads: the data thread sends, receives and flushes; other threads (the keepalive timer) only
 * {@link #queueControl queue} control frames, which the data thread sends on its next round.
 */
public final class CstpChannel implements CstpLink, Closeable {
    /**
     * Control frames that may wait for the socket. A gateway that sends DPD requests but stops reading would otherwise
     * grow the queue without end; a few keepalives and answers are all a healthy session ever has waiting.
     */
    static final int MAX_QUEUED_CONTROL = 64;

    private final TlsStream tls;
    private final InboundBuffer in;
    private final Queue<byte[]> queued = new ConcurrentLinkedQueue<>();
    /** The queue's length: ConcurrentLinkedQueue.size() walks it. */
    private final AtomicInteger queuedCount = new AtomicInteger();

    CstpChannel(TlsStream tls, InboundBuffer in) {
        this.tls = tls;
        this.in = in;
    }

    /** The TCP socket, for the data thread to wait on. */
    public TcpSocket socket() {
        return tls.socket();
    }

    /**
     * Queues one DATA packet as a TLS record without copying it, for the next {@link #flush}: the packet is at
     * {@code buf[off..off+len)} and the {@link CstpFraming#HEADER_LENGTH} bytes before {@code off} are free for the
     * header.
     *
     * @return false when records already waiting for the socket leave no room: the packet was not sent
     */
    @Override
    public boolean sendData(byte[] buf, int off, int len) throws IOException {
        int start = off - CstpFraming.HEADER_LENGTH;
        CstpFraming.writeHeader(buf, start, PacketType.DATA, len);
        return tls.write(buf, start, len + CstpFraming.HEADER_LENGTH);
    }

    /**
     * Sends a control packet now, or queues it behind what waits already; only the data thread calls this.
     *
     * @return false when the queue is full and the packet was dropped
     */
    @Override
    public boolean sendControl(PacketType type, byte[] payload) throws IOException {
        byte[] frame = frame(type, payload);
        if (queued.isEmpty() && tls.write(frame, 0, frame.length)) {
            tls.flush();
            return true;
        }
        return enqueue(frame); // goes out with the next flush, in order
    }

    /**
     * Queues a control packet for the data thread, which the caller then wakes. Safe from any thread.
     *
     * @return false when the queue is full and the packet was dropped
     */
    @Override
    public boolean queueControl(PacketType type, byte[] payload) {
        return enqueue(frame(type, payload));
    }

    private boolean enqueue(byte[] frame) {
        if (queuedCount.incrementAndGet() > MAX_QUEUED_CONTROL) {
            queuedCount.decrementAndGet();
            return false;
        }
        queued.add(frame);
        return true;
    }

    /** Sends queued control frames and what the socket would not take before; true when nothing is left waiting. */
    @Override
    public boolean flush() throws IOException {
        byte[] frame;
        while ((frame = queued.peek()) != null) {
            if (!tls.write(frame, 0, frame.length)) {
                return false;
            }
            queued.poll();
            queuedCount.decrementAndGet();
        }
        return tls.flush();
    }

    /** True while records wait for room in the socket: the data thread then waits for it to be writable. */
    @Override
    public boolean hasPendingOutput() {
        return tls.hasPendingOutput() || !queued.isEmpty();
    }

    /**
     * Delivers the frames that have arrived, at most {@code limit}, without blocking; returns how many.
     *
     * @throws EOFException when the gateway closed the connection
     * @throws dev.corridor.sidecar.protocol.ProtocolException when a frame is malformed
     */
    @Override
    public int receivePending(PacketReceiver receiver, int limit) throws IOException {
        int packets = 0;
        while (packets < limit) {
            if (in.available() >= CstpFraming.HEADER_LENGTH) {
                int length = CstpFraming.payloadLength(in.bytes, in.position);
                if (in.available() >= CstpFraming.HEADER_LENGTH + length) {
                    int typeCode = CstpFraming.typeCode(in.bytes, in.position);
                    receiver.onPacket(
                            PacketType.of(typeCode),
                            typeCode,
                            in.bytes,
                            in.position + CstpFraming.HEADER_LENGTH,
                            length);
                    in.skip(CstpFraming.HEADER_LENGTH + length);
                    packets++;
                    continue;
                }
            }
            int read = in.fillAvailable();
            if (read < 0) {
                throw new EOFException(
                        in.available() == 0
                                ? "the gateway closed the connection"
                                : "the gateway closed the connection in the middle of a frame");
            }
            if (read == 0) {
                break;
            }
        }
        return packets;
    }

    /** Sends a last control packet (the logout), waiting up to {@code timeout}; for when the data thread has stopped. */
    public void sendFinal(PacketType type, byte[] payload, Duration timeout) throws IOException {
        byte[] frame = frame(type, payload);
        tls.writeBlocking(frame, 0, frame.length, System.nanoTime() + timeout.toNanos());
    }

    @Override
    public void close() {
        tls.close();
    }

    private static byte[] frame(PacketType type, byte[] payload) {
        byte[] frame = new byte[CstpFraming.HEADER_LENGTH + payload.length];
        CstpFraming.writeHeader(frame, 0, type, payload.length);
        System.arraycopy(payload, 0, frame, CstpFraming.HEADER_LENGTH, payload.length);
        return frame;
    }
}
