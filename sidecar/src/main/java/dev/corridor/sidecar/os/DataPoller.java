package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Waits on the tun device, the DTLS socket and the CSTP connection at once, for a data path run by one thread as
 * openconnect runs its loop: the thread that writes a TCP acknowledgement into the tun finds the segments it
 * releases already queued, instead of waking another thread for them. Wakeups go through the tun's eventfd.
 */
public final class DataPoller {
    /** struct pollfd[4]: the tun fd, the tun's wakeup eventfd, the DTLS socket and the CSTP socket (-1: skipped). */
    private static final long POLLFD_SIZE = 8;

    private static final long DTLS_OFFSET = 2 * POLLFD_SIZE;
    private static final long CSTP_OFFSET = 3 * POLLFD_SIZE;

    private final TunDevice tun;
    private final MemorySegment pollFds;
    private UdpSocket dtls;

    public DataPoller(TunDevice tun, TcpSocket cstp) {
        this.tun = tun;
        this.pollFds = Arena.ofAuto().allocate(4 * POLLFD_SIZE);
        tun.pollable().describeInto(pollFds, 0);
        pollFds.set(JAVA_INT, DTLS_OFFSET, -1);
        pollFds.set(JAVA_SHORT, DTLS_OFFSET + 4, Libc.POLLIN);
        pollFds.set(JAVA_INT, CSTP_OFFSET, cstp.pollable().fd());
        pollFds.set(JAVA_SHORT, CSTP_OFFSET + 4, Libc.POLLIN);
    }

    /** Watches this DTLS socket too (null: none). Cheap when unchanged, so the loop may call it every round. */
    public void watchDtls(UdpSocket socket) {
        if (socket != dtls) {
            dtls = socket;
            pollFds.set(
                    JAVA_INT,
                    DTLS_OFFSET,
                    socket == null ? -1 : socket.pollable().fd());
        }
    }

    /**
     * Waits until a packet is readable on any of them (on the device only unless {@code deviceHeld}), the CSTP socket
     * takes data again (when {@code cstpBacklog}), or a wakeup comes ({@link TunDevice#wakeup}).
     *
     * @param deviceHeld the device's packets have nowhere to go (CSTP is backed up and there is no DTLS): they stay in
     *     the device, whose queue holds the pod back, instead of ending every wait at once for a packet nobody reads
     * @return whether the CSTP socket has something to read: data, its end, or an error
     */
    public boolean await(boolean cstpBacklog, boolean deviceHeld) throws OsException {
        pollFds.set(JAVA_SHORT, 4, (short) (deviceHeld ? 0 : Libc.POLLIN));
        pollFds.set(JAVA_SHORT, CSTP_OFFSET + 4, (short) (Libc.POLLIN | (cstpBacklog ? Libc.POLLOUT : 0)));
        while (true) {
            // Packets of a segment already read wait in the device, not in its fd: only look at the others then.
            int ready = Libc.poll(pollFds, 4, !deviceHeld && tun.hasPendingPackets() ? 0 : -1);
            if (ready < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EINTR) {
                    continue;
                }
                throw OsException.fromErrno("waiting for packets", errno);
            }
            if (pollFds.get(JAVA_SHORT, POLLFD_SIZE + 6) != 0) {
                tun.pollable().drainWakeup();
            }
            // Anything but "writable" (POLLIN, POLLHUP, POLLERR) is for a read to find out.
            return (pollFds.get(JAVA_SHORT, CSTP_OFFSET + 6) & ~Libc.POLLOUT) != 0;
        }
    }
}
