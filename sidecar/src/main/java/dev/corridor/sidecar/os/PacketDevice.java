package dev.corridor.sidecar.os;

/**
 * Where the pod's IP packets enter and leave the data plane: the tun device ({@link TunDevice}), or an in-process fake
 * in tests. One packet per call, into and out of the caller's array, so that the caller can leave header room in front.
 *
 * <p>Threads: one thread reads; writes may come from any thread; {@link #wakeup} from any thread.
 */
public interface PacketDevice {
    /** Reads one packet into {@code buf} at {@code off}; 0 when none is pending. A longer packet is cut to {@code max}. */
    int read(byte[] buf, int off, int max) throws OsException;

    /** Writes one IPv4 or IPv6 packet. */
    void write(byte[] buf, int off, int len) throws OsException;

    /** Waits until a packet is readable (true), or the timeout passes or {@link #wakeup} is called (false); {@code < 0}: no timeout. */
    boolean awaitReadable(long timeoutMillis) throws OsException;

    /** Wakes the reading thread where it waits. Safe from any thread. */
    void wakeup();
}
