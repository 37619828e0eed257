package dev.corridor.sidecar.session;

import dev.corridor.sidecar.protocol.cstp.CstpFraming;
import dev.corridor.sidecar.protocol.cstp.PacketType;
import dev.corridor.sidecar.transport.CstpLink;
import dev.corridor.sidecar.transport.PacketReceiver;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process CSTP channel, as wireguard-go's {@code conn/bindtest}: the test plays the gateway, {@link #arrive
 * sending} packets to the client and reading what the client {@link #sent sent}. It checks the header room the data
 * plane promises, and can refuse data as a full connection does.
 */
final class FakeCstp implements CstpLink {
    /** A packet on the channel. */
    record Packet(PacketType type, byte[] payload) {}

    private final FakeWire wire;
    private final ConcurrentLinkedQueue<Packet> fromGateway = new ConcurrentLinkedQueue<>();
    private final List<Packet> toGateway = new ArrayList<>();
    private volatile boolean full;
    private volatile boolean closed;
    private final AtomicInteger receiveCalls = new AtomicInteger();

    FakeCstp(FakeWire wire) {
        this.wire = wire;
    }

    /** The gateway sends a packet. */
    void arrive(PacketType type, byte[] payload) {
        fromGateway.add(new Packet(type, payload.clone()));
        wire.raiseCstp();
    }

    /** The gateway closes the connection. */
    void hangUp() {
        closed = true;
        wire.raiseCstp();
    }

    /** How often the data plane has looked for frames from the gateway. */
    int receiveCalls() {
        return receiveCalls.get();
    }

    /** Refuses data from now on, as a connection whose waiting records fill it does. */
    void fill() {
        full = true;
    }

    synchronized List<Packet> sent() {
        return List.copyOf(toGateway);
    }

    synchronized List<Packet> sent(PacketType type) {
        return toGateway.stream().filter(packet -> packet.type() == type).toList();
    }

    @Override
    public synchronized boolean sendData(byte[] buf, int off, int len) {
        if (off < CstpFraming.HEADER_LENGTH) {
            throw new AssertionError("no room for the CSTP header before the packet");
        }
        if (full) {
            return false;
        }
        toGateway.add(new Packet(PacketType.DATA, Arrays.copyOfRange(buf, off, off + len)));
        return true;
    }

    @Override
    public synchronized boolean sendControl(PacketType type, byte[] payload) {
        toGateway.add(new Packet(type, payload.clone()));
        return true;
    }

    @Override
    public boolean queueControl(PacketType type, byte[] payload) {
        return sendControl(type, payload);
    }

    @Override
    public boolean flush() {
        return true;
    }

    @Override
    public boolean hasPendingOutput() {
        return false;
    }

    @Override
    public int receivePending(PacketReceiver receiver, int limit) throws IOException {
        receiveCalls.incrementAndGet();
        int packets = 0;
        Packet packet;
        while (packets < limit && (packet = fromGateway.poll()) != null) {
            receiver.onPacket(packet.type(), packet.type().code(), packet.payload(), 0, packet.payload().length);
            packets++;
        }
        if (packets == 0 && closed) {
            throw new EOFException("the gateway closed the connection");
        }
        return packets;
    }
}
