package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A connected, non-blocking UDP socket for the DTLS channel. Data moves through {@link DatagramBatch} (one
 * sendmmsg/recvmmsg call per batch); the single-datagram calls here carry the handshake and control records,
 * straight from and into the caller's array.
 *
 * <p>Threads: one thread waits and receives; sends may come from any thread; {@code wakeup} and
 * {@link #close} from any thread.
 */
public final class UdpSocket implements AutoCloseable {
    /** How long a send waits for room in a full socket buffer before the datagram is dropped. */
    static final int SEND_WAIT_MILLIS = 100;

    private final PollableFd fd;
    private final InetSocketAddress remote;
    /** Whether a batch may go as runs of equal datagrams in one send each (UDP_SEGMENT); only the batch's thread clears it. */
    private boolean segmentation;
    /** Whether the kernel may hand over runs of datagrams merged into one message (UDP_GRO). */
    private final boolean receiveOffload;

    /** Over an fd already connected to {@code remote}; {@link #connect} opens one. */
    UdpSocket(PollableFd fd, InetSocketAddress remote, boolean segmentation, boolean receiveOffload) {
        this.fd = fd;
        this.remote = remote;
        this.segmentation = segmentation;
        this.receiveOffload = receiveOffload;
    }

    /**
     * Opens a socket in the calling thread's network namespace, connected to {@code remote}.
     *
     * @param bufferBytes the socket's receive and send buffer size. A tunnel receives in bursts at line rate, and
     *                    every datagram the default buffer cannot hold is a lost packet inside the tunnel; with
     *                    NET_ADMIN the size may exceed the system's rmem_max/wmem_max (SO_RCVBUFFORCE).
     */
    public static UdpSocket connect(InetSocketAddress remote, int bufferBytes) throws OsException {
        String what = "the UDP socket to " + Sockets.describe(remote);
        int socket = Sockets.open(Libc.SOCK_DGRAM, remote, what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocateFrom(JAVA_INT, bufferBytes);
            setBuffer(socket, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, size);
            setBuffer(socket, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, size);
            if (Libc.connect(socket, Sockets.address(arena, remote)) < 0) {
                throw OsException.fromErrno("connecting " + what, Libc.errno());
            }
            // Setting a segment size of 0 changes nothing; a kernel before 4.18 refuses the option.
            boolean segmentation =
                    Libc.setsockopt(socket, Libc.SOL_UDP, Libc.UDP_SEGMENT, arena.allocateFrom(JAVA_INT, 0)) == 0;
            // A kernel before 5.0 refuses UDP_GRO: every message is then one datagram.
            boolean receiveOffload =
                    Libc.setsockopt(socket, Libc.SOL_UDP, Libc.UDP_GRO, arena.allocateFrom(JAVA_INT, 1)) == 0;
            return new UdpSocket(new PollableFd(socket, what), remote, segmentation, receiveOffload);
        } catch (OsException e) {
            Libc.close(socket);
            throw e;
        }
    }

    public InetSocketAddress remote() {
        return remote;
    }

    /**
     * Receives one datagram into {@code buf} at {@code off}. Never blocks: returns 0 when none is pending.
     *
     * @throws OsException for a pending socket error, e.g. ECONNREFUSED when the gateway's port is closed
     */
    public int receive(byte[] buf, int off, int max) throws OsException {
        return (int) Math.max(fd.readPending(buf, off, max), 0);
    }

    /** Waits until a datagram is pending (true), or the timeout passes or {@code wakeup} is called (false). */
    public boolean awaitReadable(long timeoutMillis) throws OsException {
        return fd.awaitReadable(timeoutMillis);
    }

    /**
     * Sends one datagram. When the socket buffer is full it waits briefly for room; a datagram that still does
     * not fit is dropped (false), as a congested link would drop it.
     */
    public boolean send(byte[] buf, int off, int len) throws OsException {
        while (true) {
            long n = fd.write(buf, off, len);
            if (n >= 0) {
                return true;
            }
            int errno = Libc.errno();
            if (errno == Libc.EINTR) {
                continue;
            }
            if (errno == Libc.EAGAIN || errno == Libc.ENOBUFS) {
                if (!fd.awaitWritable(SEND_WAIT_MILLIS)) {
                    return false;
                }
                continue;
            }
            throw OsException.fromErrno("sending to " + Sockets.describe(remote), errno);
        }
    }

    PollableFd pollable() {
        return fd;
    }

    /** Whether the kernel takes a run of equal datagrams in one send (UDP generic segmentation offload). */
    boolean segmentation() {
        return segmentation;
    }

    /** Whether a received message may be a run of datagrams the kernel merged (UDP generic receive offload). */
    boolean receiveOffload() {
        return receiveOffload;
    }

    /** The path refused a segmented send (EIO: e.g. an interface without checksum offload): datagrams go one by one. */
    void stopSegmentation() {
        segmentation = false;
    }

    @Override
    public void close() {
        fd.close();
    }

    /** The forced size where the capability allows it, else the size the system's limit allows. */
    private static void setBuffer(int socket, int forced, int capped, MemorySegment size) {
        if (Libc.setsockopt(socket, Libc.SOL_SOCKET, forced, size) < 0) {
            Libc.setsockopt(socket, Libc.SOL_SOCKET, capped, size);
        }
    }
}
