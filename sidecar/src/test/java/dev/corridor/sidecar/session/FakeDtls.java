package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.PacketReceiver;
import dev.corridor.sidecar.transport.dtls.DtlsChannel;
import dev.corridor.sidecar.transport.dtls.DtlsLink;
import dev.corridor.sidecar.transport.dtls.DtlsSuite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An in-process DTLS channel, and its connector: the test plays the gateway's UDP side. Sends can be made to fail (a
 * broken path) or the socket to stay full for the next flush; it checks the header and tail room the data plane
 * promises.
 */
final class FakeDtls implements DtlsLink, DtlsConnector {
    private final FakeWire wire;
    private final int maxPacket;
    private final ConcurrentLinkedQueue<FakeCstp.Packet> fromGateway = new ConcurrentLinkedQueue<>();
    private final List<FakeCstp.Packet> toGateway = new ArrayList<>();
    private final List<byte[]> queued = new ArrayList<>();
    private volatile boolean broken;
    private volatile int dropNextFlush;
    private volatile boolean failNextFlush;
    private volatile boolean closed;
    private int droppedPackets;
    private long droppedBytes;

    FakeDtls(FakeWire wire, int maxPacket) {
        this.wire = wire;
        this.maxPacket = maxPacket;
    }

    /** The gateway sends a packet over DTLS. */
    void arrive(PacketType type, byte[] payload) {
        fromGateway.add(new FakeCstp.Packet(type, payload.clone()));
        wire.raise();
    }

    /** Every send fails from now on, as on a path that broke. */
    void breakPath() {
        broken = true;
    }

    /** The next flush fails after its packets were queued, as a socket the gateway's port unreachable fails. */
    void failNextFlush() {
        failNextFlush = true;
    }

    /** The next flush finds the socket full for its last {@code packets} datagrams. */
    void dropOnNextFlush(int packets) {
        dropNextFlush = packets;
    }

    boolean closed() {
        return closed;
    }

    synchronized List<FakeCstp.Packet> sent() {
        return List.copyOf(toGateway);
    }

    @Override
    public DtlsLink connect(DtlsSetup setup) {
        return this;
    }

    @Override
    public void abort() {}

    @Override
    public DtlsSuite suite() {
        return DtlsSuite.PSK_AES_256_GCM;
    }

    @Override
    public int maxPacket() {
        return maxPacket;
    }

    @Override
    public synchronized int sendData(byte[] buf, int off, int len) throws IOException {
        if (off < DtlsChannel.HEADROOM || buf.length - (off + len) < DtlsChannel.TAILROOM) {
            throw new AssertionError("no room for the record's header or tail around the packet");
        }
        if (len > maxPacket) {
            throw new AssertionError("a " + len + "-byte packet does not fit a record of this path");
        }
        droppedPackets = 0;
        droppedBytes = 0;
        if (broken) {
            throw new IOException("network unreachable");
        }
        queued.add(Arrays.copyOfRange(buf, off, off + len));
        return 0;
    }

    @Override
    public synchronized int flushData() throws IOException {
        boolean fail = broken || failNextFlush;
        failNextFlush = false;
        int dropped = fail ? queued.size() : Math.min(dropNextFlush, queued.size());
        dropNextFlush = 0;
        droppedPackets = dropped;
        droppedBytes = 0;
        for (int i = 0; i < queued.size(); i++) {
            if (i < queued.size() - dropped) {
                toGateway.add(new FakeCstp.Packet(PacketType.DATA, queued.get(i)));
            } else {
                droppedBytes += queued.get(i).length;
            }
        }
        queued.clear();
        if (fail) {
            throw new IOException("connection refused");
        }
        return dropped;
    }

    @Override
    public synchronized int droppedPackets() {
        return droppedPackets;
    }

    @Override
    public synchronized long droppedBytes() {
        return droppedBytes;
    }

    @Override
    public synchronized void sendControl(PacketType type, byte[] payload) throws IOException {
        if (broken) {
            throw new IOException("network unreachable");
        }
        toGateway.add(new FakeCstp.Packet(type, payload.clone()));
    }

    @Override
    public int receivePending(PacketReceiver receiver, int limit) throws IOException {
        int packets = 0;
        FakeCstp.Packet packet;
        while (packets < limit && (packet = fromGateway.poll()) != null) {
            receiver.onPacket(packet.type(), packet.type().code(), packet.payload(), 0, packet.payload().length);
            packets++;
        }
        return packets;
    }

    @Override
    public void close() {
        closed = true;
    }
}
