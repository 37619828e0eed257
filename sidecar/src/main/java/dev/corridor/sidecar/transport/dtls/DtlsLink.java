package dev.corridor.sidecar.transport.dtls;

import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.Closeable;
import java.io.IOException;

/**
 * An established DTLS channel as the data plane uses it: {@link DtlsChannel} over UDP, or an in-process fake in tests.
 * DATA packets are queued, then sent as one batch; control packets go out at once.
 *
 * <p>Threads: the data thread sends DATA, flushes, receives and closes; control packets may be sent from any thread.
 */
public interface DtlsLink extends Closeable {
    DtlsSuite suite();

    /** The largest IP packet one record carries on this path; a larger one goes over CSTP. */
    int maxPacket();

    /**
     * Seals one DATA packet in place and queues it: the packet is at {@code buf[off..off+len)}, with
     * {@link DtlsChannel#HEADROOM} free bytes before it and {@link DtlsChannel#TAILROOM} after.
     *
     * @return how many earlier packets were dropped because a full batch had to be sent and the way stayed full
     */
    int sendData(byte[] buf, int off, int len) throws IOException;

    /** Sends the queued DATA packets; returns how many were dropped for lack of room ({@link #droppedBytes}: their bytes). */
    int flushData() throws IOException;

    /** The packets the last flush dropped: for lack of room, or all it had not sent when it failed. */
    int droppedPackets();

    /** Their bytes, as the device handed the packets over (without the records' header and tail). */
    long droppedBytes();

    /** Sends a control packet (DPD, keepalive). */
    void sendControl(PacketType type, byte[] payload) throws IOException;

    /**
     * Delivers the datagrams already received, at most {@code limit}, without blocking; returns how many.
     *
     * @throws IOException when the gateway ended DTLS, or the socket failed
     */
    int receivePending(PacketReceiver receiver, int limit) throws IOException;

    @Override
    void close();
}
