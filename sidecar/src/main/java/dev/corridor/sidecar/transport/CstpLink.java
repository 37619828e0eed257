package dev.corridor.sidecar.transport;

import dev.corridor.sidecar.protocol.cstp.PacketType;
import java.io.IOException;

/**
 * The CSTP channel as the data plane uses it: {@link CstpChannel} over TLS, or an in-process fake in tests.
 *
 * <p>Threads: the data thread sends, receives and flushes; any thread may {@link #queueControl}.
 */
public interface CstpLink {
    /**
     * Queues one DATA packet at {@code buf[off..off+len)}, framed in place in the
     * {@link dev.corridor.sidecar.protocol.cstp.CstpFraming#HEADER_LENGTH} bytes before {@code off}; it goes out with
     * the next {@link #flush}.
     *
     * @return false when records already waiting for the socket leave no room: the packet was not sent
     */
    boolean sendData(byte[] buf, int off, int len) throws IOException;

    /** Sends a control packet now, or queues it behind what waits; false when the queue is full and it was dropped. */
    boolean sendControl(PacketType type, byte[] payload) throws IOException;

    /** Queues a control packet for the data thread, which the caller then wakes; false when the queue is full. */
    boolean queueControl(PacketType type, byte[] payload);

    /** Sends what waits; true when nothing is left waiting. */
    boolean flush() throws IOException;

    /** True while records wait for room in the connection. */
    boolean hasPendingOutput();

    /**
     * Delivers the frames that have arrived, at most {@code limit}, without blocking; returns how many.
     *
     * @throws java.io.EOFException when the gateway closed the connection
     */
    int receivePending(PacketReceiver receiver, int limit) throws IOException;
}
