package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Waits on the tun device and the DTLS socket at once, for a data path run by one thread the way openconnect
 * runs it: the thread that writes a TCP acknowledgement into the tun finds the segments it releases already
 * queued, instead of waking another thread for them. Wakeups go through the tun device's eventfd.
 */
public final class DataPoller {
    /** Readiness bits of {@link #await}. */
    public static final int TUN = 1;
    public static final int SOCKET = 2;

    /** struct pollfd[3]: the tun fd, the tun's wakeup eventfd, and the socket (-1 when none: poll skips it). */
    private static final long POLLFD_SIZE = 8;
    private static final long SOCKET_OFFSET = 2 * POLLFD_SIZE;

    private final TunDevice tun;
    private final MemorySegment pollFds;
    private UdpSocket watched;

    public DataPoller(TunDevice tun) {
        this.tun = tun;
        this.pollFds = Arena.ofAuto().allocate(3 * POLLFD_SIZE);
        tun.pollable().describeInto(pollFds, 0);
        pollFds.set(JAVA_INT, SOCKET_OFFSET, -1);
        pollFds.set(JAVA_SHORT, SOCKET_OFFSET + 4, Libc.POLLIN);
    }

    /** Watches this socket too (null: none). Cheap when unchanged, so the loop may call it every round. */
    public void watch(UdpSocket socket) {
        if (socket != watched) {
            watched = socket;
            pollFds.set(JAVA_INT, SOCKET_OFFSET, socket == null ? -1 : socket.pollable().fd());
        }
    }

    /**
     * Waits until the tun or the watched socket is readable, or a wakeup comes ({@link TunDevice#wakeup}).
     *
     * @return {@link #TUN} and/or {@link #SOCKET}, or 0 after a wakeup
     */
    public int await() throws OsException {
        while (true) {
            int ready = Libc.poll(pollFds, 3, -1);
            if (ready < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EINTR) {
                    continue;
                }
                throw OsException.fromErrno("waiting for packets", errno);
            }
            if (pollFds.get(JAVA_SHORT, POLLFD_SIZE + 6) != 0) {
                tun.pollable().drainWakeup();
                return 0;
            }
            int result = 0;
            if (pollFds.get(JAVA_SHORT, 6) != 0) {
                result |= TUN;
            }
            if (pollFds.get(JAVA_SHORT, SOCKET_OFFSET + 6) != 0) {
                result |= SOCKET; // readable, or an error the next receive reports
            }
            return result;
        }
    }
}
