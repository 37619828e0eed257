package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.net.InetSocketAddress;

/**
 * A non-blocking TCP connection for the TLS channel to the gateway: reads and writes go straight from and into
 * the caller's array, and the data thread waits on it together with the tun device and the DTLS socket.
 *
 * <p>Threads: one thread at a time reads and writes (the login, then the data thread); {@link #close} from any.
 */
public final class TcpSocket implements AutoCloseable {
    private final PollableFd fd;
    private final InetSocketAddress remote;

    private TcpSocket(PollableFd fd, InetSocketAddress remote) {
        this.fd = fd;
        this.remote = remote;
    }

    /**
     * Connects within {@code timeoutMillis}, with Nagle off (every frame is a whole packet of the tunnel).
     *
     * @throws OsException with the connect's errno (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH...), or ETIMEDOUT
     */
    public static TcpSocket connect(InetSocketAddress remote, long timeoutMillis) throws OsException {
        String what = "the TCP connection to " + Sockets.describe(remote);
        int socket = Sockets.open(Libc.SOCK_STREAM, remote, what);
        PollableFd pollable;
        try {
            pollable = new PollableFd(socket, what);
        } catch (OsException e) {
            Libc.close(socket);
            throw e;
        }
        try (Arena arena = Arena.ofConfined()) {
            Libc.setsockopt(socket, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, arena.allocateFrom(JAVA_INT, 1));
            if (Libc.connect(socket, Sockets.address(arena, remote)) < 0) {
                int errno = Libc.errno();
                if (errno != Libc.EINPROGRESS) {
                    throw OsException.fromErrno("connecting " + what, errno);
                }
                if (!pollable.awaitWritable(timeoutMillis)) {
                    throw OsException.fromErrno(
                            "connecting " + what + " (no answer within " + timeoutMillis + " ms)", Libc.ETIMEDOUT);
                }
                int error = Libc.getsockoptInt(socket, Libc.SOL_SOCKET, Libc.SO_ERROR, arena.allocate(8));
                if (error != 0) {
                    throw OsException.fromErrno("connecting " + what, error < 0 ? Libc.errno() : error);
                }
            }
            return new TcpSocket(pollable, remote);
        } catch (OsException e) {
            pollable.close();
            throw e;
        }
    }

    /** Reads what has arrived, at most {@code max} bytes: the count, 0 when nothing is pending, -1 at end of stream. */
    public int read(byte[] buf, int off, int max) throws OsException {
        long n = fd.readPending(buf, off, max);
        return n == 0 ? -1 : (int) Math.max(n, 0);
    }

    /** Writes what the socket buffer takes now: the count, 0 when it is full. */
    public int write(byte[] buf, int off, int len) throws OsException {
        long n = fd.write(buf, off, len);
        if (n >= 0) {
            return (int) n;
        }
        int errno = Libc.errno();
        if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
            return 0;
        }
        throw OsException.fromErrno("sending to " + Sockets.describe(remote), errno);
    }

    public boolean awaitReadable(long timeoutMillis) throws OsException {
        return fd.awaitReadable(timeoutMillis);
    }

    public boolean awaitWritable(long timeoutMillis) throws OsException {
        return fd.awaitWritable(timeoutMillis);
    }

    PollableFd pollable() {
        return fd;
    }

    @Override
    public void close() {
        fd.close();
    }
}
