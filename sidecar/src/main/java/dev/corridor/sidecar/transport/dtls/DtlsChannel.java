package dev.corridor.sidecar.transport.dtls;

import dev.corridor.sidecar.os.DatagramBatch;
import dev.corridor.sidecar.os.OsException;
import dev.corridor.sidecar.os.UdpSocket;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * The DTLS data channel: each AnyConnect packet is one DTLS record (one type byte, then the payload), one
 * record per datagram. Closing it just closes the UDP socket: a DTLS close_notify is never sent.
 *
 * <p>Threads: the data thread sends DATA and receives; control packets may be sent from any thread.
 */
public final class DtlsChannel implements DtlsLink {
    /**
     * Bytes a caller leaves free before a packet: what any record layer puts before its plaintext (the header, the
     * explicit nonce or IV, and CBC's room to encrypt without a copy) and the AnyConnect type.
     */
    public static final int HEADROOM = DtlsRecordLayer.MAX_PREFIX + 1;
    /** Bytes a caller leaves free after a packet, for the tag, or the MAC and padding. */
    public static final int TAILROOM = DtlsRecordLayer.MAX_SUFFIX;
    /** The gateway's alert levels: 2 is fatal. */
    private static final int FATAL = 2;

    private static final int CLOSE_NOTIFY = 0;

    private final UdpSocket socket;
    private final DtlsRecordLayer records;
    private final DtlsHandshake.Mode mode;
    private final int maxPacket;
    private final List<byte[]> lastFlight;
    private final DtlsRecordLayer.Sealer dataSealer;
    private final DtlsRecordLayer.Sealer controlSealer;
    private final DtlsRecordLayer.Opener opener;
    private final DatagramBatch outgoing;
    private final DatagramBatch incoming;
    /** Each queued packet's length as the device handed it over, to count what a flush drops. */
    private final int[] queuedLengths = new int[DatagramBatch.CAPACITY];

    private int droppedPackets;
    private long droppedBytes;
    /** Room for one received datagram, where its records are opened in place. */
    private final byte[] inbound = new byte[DatagramBatch.SLOT];
    /** Set by {@link #close}; guarded by this, as control packets are sealed under it. */
    private boolean closed;

    DtlsChannel(
            UdpSocket socket,
            DtlsRecordLayer records,
            DtlsHandshake.Mode mode,
            int datagramLimit,
            List<byte[]> lastFlight)
            throws IOException {
        this.socket = socket;
        this.records = records;
        this.mode = mode;
        // A record must also fit a batch slot: on a jumbo-frame path (9001 bytes on many clouds) the datagram limit
        // exceeds it, and the larger packets go over CSTP instead.
        this.maxPacket = records.maxPlaintext(Math.min(datagramLimit, DatagramBatch.SLOT)) - 1;
        this.lastFlight = List.copyOf(lastFlight);
        try {
            this.dataSealer = records.sealer();
            this.controlSealer = records.sealer();
            this.opener = records.opener();
        } catch (GeneralSecurityException e) {
            records.close();
            throw new IOException(records.suite().standardName() + " is unavailable: " + e.getMessage(), e);
        }
        // Mapped once the keys are in place, so that a suite the JDK refuses leaves no mapping behind.
        this.outgoing = new DatagramBatch();
        this.incoming = new DatagramBatch();
    }

    public DtlsHandshake.Mode mode() {
        return mode;
    }

    @Override
    public DtlsSuite suite() {
        return records.suite();
    }

    /** The largest IP packet one record carries on this path; a larger one goes over CSTP. */
    @Override
    public int maxPacket() {
        return maxPacket;
    }

    /**
     * Seals one DATA packet in place and queues it for {@link #flushData}: the packet is at {@code buf[off..off+len)},
     * with {@link #HEADROOM} free bytes before it and {@link #TAILROOM} after. Only the data thread calls this.
     *
     * @return how many earlier packets were dropped because a full batch had to be sent and the socket stayed full
     */
    @Override
    public int sendData(byte[] buf, int off, int len) throws IOException {
        droppedPackets = 0;
        droppedBytes = 0;
        buf[off - 1] = (byte) PacketType.DATA.code();
        int start = seal(dataSealer, buf, off - 1, len + 1);
        int length = records.sealedLength(len + 1);
        int dropped = 0;
        int slot = outgoing.count();
        if (!outgoing.add(buf, start, length)) {
            dropped = flushData();
            slot = 0;
            outgoing.add(buf, start, length); // fits now: the batch is empty and a record within maxPacket fits a slot
        }
        queuedLengths[slot] = len;
        return dropped;
    }

    /** Sends the queued DATA packets, one system call for the batch; returns how many were dropped for lack of room. */
    @Override
    public int flushData() throws IOException {
        int queued = outgoing.count();
        try {
            return outgoing.send(socket);
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            droppedPackets = queued - outgoing.lastSent();
            droppedBytes = 0;
            for (int i = outgoing.lastSent(); i < queued; i++) {
                droppedBytes += queuedLengths[i];
            }
        }
    }

    @Override
    public int droppedPackets() {
        return droppedPackets;
    }

    @Override
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Sends a control packet (DPD, keepalive). Rare, so it may allocate and serialise. */
    @Override
    public synchronized void sendControl(PacketType type, byte[] payload) throws IOException {
        if (closed) {
            throw new IOException("the DTLS channel is closed");
        }
        byte[] buf = new byte[HEADROOM + payload.length + TAILROOM];
        buf[HEADROOM - 1] = (byte) type.code();
        System.arraycopy(payload, 0, buf, HEADROOM, payload.length);
        int start = seal(controlSealer, buf, HEADROOM - 1, payload.length + 1);
        send(buf, start, records.sealedLength(payload.length + 1));
    }

    /** Sends one datagram; one that still finds the socket full is lost as on a congested link (DPD notices). */
    private void send(byte[] buf, int off, int len) throws IOException {
        try {
            socket.send(buf, off, len);
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The socket, for the data thread to wait on. */
    public UdpSocket socket() {
        return socket;
    }

    /**
     * Delivers the datagrams already received, at most {@code limit}, without blocking; returns how many there
     * were. Records that fail authentication or replay are dropped and reported to the receiver. Only the one
     * data thread calls this.
     *
     * @throws IOException when the gateway ended DTLS with an alert, or the socket failed
     */
    @Override
    public int receivePending(PacketReceiver receiver, int limit) throws IOException {
        int datagrams = 0;
        try {
            while (datagrams < limit) {
                int received = incoming.receive(socket, limit - datagrams);
                while (incoming.nextDatagram()) {
                    int datagram = incoming.datagramLength();
                    if (datagram < 0) {
                        receiver.onRejectedRecord();
                        continue;
                    }
                    incoming.copyDatagram(inbound, 0);
                    openRecords(receiver, 0, datagram);
                }
                datagrams += received;
                if (received < DatagramBatch.CAPACITY) {
                    break;
                }
            }
        } catch (OsException e) {
            throw new IOException(e.getMessage(), e);
        }
        return datagrams;
    }

    private void openRecords(PacketReceiver receiver, int from, int end) throws IOException {
        for (int at = from; at < end; ) {
            int length = DtlsRecordLayer.recordLength(inbound, at, end - at);
            if (length < 0) {
                receiver.onRejectedRecord();
                return;
            }
            switch (opener.open(inbound, at, length)) {
                case DATA -> deliver(receiver, inbound, opener.plaintextOffset(), opener.plaintextLength());
                case ALERT -> alert(inbound, opener.plaintextOffset(), opener.plaintextLength());
                case HANDSHAKE -> repeatLastFlight();
                case DROPPED -> receiver.onRejectedRecord();
            }
            at += length;
        }
    }

    private static void deliver(PacketReceiver receiver, byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            receiver.onRejectedRecord();
            return;
        }
        int typeCode = buf[off] & 0xff;
        receiver.onPacket(PacketType.of(typeCode), typeCode, buf, off + 1, len - 1);
    }

    private static void alert(byte[] buf, int off, int len) throws IOException {
        if (len == 2 && (buf[off] == FATAL || buf[off + 1] == CLOSE_NOTIFY)) {
            throw new IOException("the gateway ended DTLS with alert " + (buf[off + 1] & 0xff));
        }
    }

    private void repeatLastFlight() throws IOException {
        for (byte[] datagram : lastFlight) {
            send(datagram, 0, datagram.length);
        }
    }

    private int seal(DtlsRecordLayer.Sealer sealer, byte[] buf, int off, int len) throws IOException {
        try {
            return sealer.seal(buf, off, len);
        } catch (GeneralSecurityException e) {
            throw new IOException("sealing a DTLS record failed: " + e.getMessage(), e);
        }
    }

    /**
     * Closes the UDP socket and frees the batches' and the record layer's native memory. No close_notify is sent.
     * Only the data thread, or the owner once it has stopped, closes; a control packet being sent meanwhile finishes
     * first.
     */
    @Override
    public synchronized void close() {
        closed = true;
        socket.close();
        outgoing.close();
        incoming.close();
        records.close();
    }
}
