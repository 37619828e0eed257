package dev.corridor.sidecar.session;

import dev.corridor.sidecar.os.PacketBatch;
import dev.corridor.sidecar.os.PacketDevice;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-process tun device, as wireguard-go's {@code tun/tuntest}: the test plays the pod, {@link #send sending}
 * packets into the tunnel and reading what the tunnel {@link #delivered delivered}. Reads cut a packet to the
 * caller's room, as the kernel's tun does.
 */
final class FakeDevice implements PacketDevice {
    private final FakeWire wire;
    private final ArrayDeque<byte[]> fromPod = new ArrayDeque<>();
    private final List<byte[]> toPod = new ArrayList<>();
    private RuntimeException writeFault;

    FakeDevice(FakeWire wire) {
        this.wire = wire;
    }

    /** The pod sends packets into the tunnel, all at once: the data plane finds them together. */
    void send(byte[]... packets) {
        synchronized (this) {
            for (byte[] packet : packets) {
                fromPod.add(packet.clone());
            }
        }
        wire.raise();
    }

    /** True when the data plane has read every packet the pod sent. */
    synchronized boolean drained() {
        return fromPod.isEmpty();
    }

    /** What the tunnel wrote to the pod, in order. */
    synchronized List<byte[]> delivered() {
        return List.copyOf(toPod);
    }

    @Override
    public synchronized int read(byte[] buf, int off, int max) {
        byte[] packet = fromPod.poll();
        if (packet == null) {
            return 0;
        }
        int length = Math.min(packet.length, max);
        System.arraycopy(packet, 0, buf, off, length);
        return length;
    }

    /** From now on a write throws this, as a bug in the data path would. */
    synchronized void failWrites(RuntimeException fault) {
        writeFault = fault;
    }

    @Override
    public synchronized void write(PacketBatch batch) {
        if (writeFault != null) {
            throw writeFault;
        }
        for (int i = 0; i < batch.size(); i++) {
            toPod.add(batch.packet(i));
        }
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) {
        if (!drained()) {
            return true;
        }
        wire.await(null, false);
        return !drained();
    }

    @Override
    public void wakeup() {
        wire.raise();
    }
}
