package dev.corridor.sidecar.os;

/**
 * Where the pod's IP packets enter and leave the data plane: the tun device ({@link TunDevice}), or an in-process fake
 * in tests. Reads take one packet per call into the caller's array, so that the caller can leave header room in front;
 * writes take a {@link PacketBatch}, the packets received together, so that the device can write them coalesced.
 *
 * <p>Threads: one thread reads; one thread writes; {@link #wakeup} from any thread.
 */
public interface PacketDevice {
    /** Reads one packet into {@code buf} at {@code off}; 0 when none is pending. A longer packet is cut to {@code max}. */
    int read(byte[] buf, int off, int max) throws OsException;

    /**
     * Writes the batch's IPv4 and IPv6 packets, in order within each flow. A packet the kernel refuses is marked in the
     * batch ({@link PacketBatch#refused}); the others are written all the same.
     *
     * @throws OsException when the device cannot be written at all (it was closed)
     */
    void write(PacketBatch batch) throws OsException;

    /** Waits until a packet is readable (true), or the timeout passes or {@link #wakeup} is called (false); {@code < 0}: no timeout. */
    boolean awaitReadable(long timeoutMillis) throws OsException;

    /** Wakes the reading thread where it waits. Safe from any thread. */
    void wakeup();
}
