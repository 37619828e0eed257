package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Datagrams moved in batches: one recvmmsg(2) or sendmmsg(2) call for up to {@link #CAPACITY} datagrams instead
 * of one system call each, which is most of what a packet costs beyond the kernel's own work. The datagrams live
 * in native memory (the kernel's message headers must point at them), so each is copied once to or from the
 * caller's array.
 *
 * <p>Threads: one thread uses a batch.
 */
public final class DatagramBatch {
    /**
     * Datagrams per call. Control records sent between batches can overtake a batch's records; a batch well inside
     * the receiver's 64-record replay window keeps those records acceptable.
     */
    public static final int CAPACITY = 32;
    /** Room per datagram: a full 1500-byte path plus slack; a longer datagram arrives truncated and is dropped. */
    public static final int SLOT = 2048;

    /** struct iovec { void *base; size_t len; } */
    private static final long IOVEC_SIZE = 16;
    /** struct mmsghdr { struct msghdr (56 bytes); unsigned int msg_len; } padded to 64. */
    private static final long MMSGHDR_SIZE = 64;

    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_FLAGS = 48;
    private static final long MSG_LEN = 56;

    private final MemorySegment slots;
    private final MemorySegment iovecs;
    private final MemorySegment headers;
    private int count;
    private int sent;
    private long droppedBytes;

    public DatagramBatch() {
        Arena arena = Arena.ofAuto();
        slots = arena.allocate((long) CAPACITY * SLOT, 64);
        iovecs = arena.allocate(CAPACITY * IOVEC_SIZE, 8);
        headers = arena.allocate(CAPACITY * MMSGHDR_SIZE, 8);
        for (int i = 0; i < CAPACITY; i++) {
            iovecs.set(ADDRESS, i * IOVEC_SIZE, slots.asSlice((long) i * SLOT, SLOT));
            iovecs.set(JAVA_LONG, i * IOVEC_SIZE + 8, SLOT);
            headers.set(ADDRESS, i * MMSGHDR_SIZE + MSG_IOV, iovecs.asSlice(i * IOVEC_SIZE, IOVEC_SIZE));
            headers.set(JAVA_LONG, i * MMSGHDR_SIZE + MSG_IOVLEN, 1);
        }
    }

    /** How many datagrams the batch holds: received by {@link #receive}, or added and not yet sent. */
    public int count() {
        return count;
    }

    /** Receives what is pending, up to {@code max} datagrams, without waiting; replaces what the batch held. */
    public int receive(UdpSocket socket, int max) throws OsException {
        int wanted = Math.min(max, CAPACITY);
        for (int i = 0; i < wanted; i++) {
            iovecs.set(JAVA_LONG, i * IOVEC_SIZE + 8, SLOT);
        }
        int received = Libc.recvmmsg(socket.pollable().fd(), headers, wanted, Libc.MSG_DONTWAIT);
        if (received < 0) {
            int errno = Libc.errno();
            count = 0;
            if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
                return 0;
            }
            throw OsException.fromErrno("receiving from " + Sockets.describe(socket.remote()), errno);
        }
        count = received;
        return received;
    }

    /** The length of received datagram {@code i}, or -1 when it did not fit a slot (it is then incomplete). */
    public int length(int i) {
        int flags = headers.get(JAVA_INT, i * MMSGHDR_SIZE + MSG_FLAGS);
        return (flags & Libc.MSG_TRUNC) != 0 ? -1 : headers.get(JAVA_INT, i * MMSGHDR_SIZE + MSG_LEN);
    }

    /** Copies received datagram {@code i} into {@code dst} at {@code off}. */
    public void copyOut(int i, byte[] dst, int off, int length) {
        MemorySegment.copy(slots, JAVA_BYTE, (long) i * SLOT, dst, off, length);
    }

    /** The bytes of the datagrams the last {@link #send} dropped. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Adds a datagram to send; false when the batch is full (send it first) or the datagram exceeds a slot. */
    public boolean add(byte[] src, int off, int len) {
        if (count == CAPACITY || len > SLOT) {
            return false;
        }
        MemorySegment.copy(src, off, slots, JAVA_BYTE, (long) count * SLOT, len);
        iovecs.set(JAVA_LONG, count * IOVEC_SIZE + 8, len);
        count++;
        return true;
    }

    /**
     * Sends the datagrams added since the last call. When the socket buffer is full it waits up to
     * {@link UdpSocket#SEND_WAIT_MILLIS} for room; what still does not fit is dropped, as a congested link drops.
     *
     * @return how many datagrams were dropped ({@link #droppedBytes()} says how many bytes)
     */
    public int send(UdpSocket socket) throws OsException {
        int dropped = 0;
        droppedBytes = 0;
        while (sent < count) {
            int n = Libc.sendmmsg(
                    socket.pollable().fd(), headers.asSlice(sent * MMSGHDR_SIZE), count - sent, Libc.MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            int errno = Libc.errno();
            if (errno == Libc.EINTR) {
                continue;
            }
            if (errno == Libc.EAGAIN || errno == Libc.ENOBUFS) {
                if (!socket.pollable().awaitWritable(UdpSocket.SEND_WAIT_MILLIS)) {
                    dropped = count - sent;
                    for (int i = sent; i < count; i++) {
                        droppedBytes += iovecs.get(JAVA_LONG, i * IOVEC_SIZE + 8);
                    }
                    break;
                }
                continue;
            }
            count = 0;
            sent = 0;
            throw OsException.fromErrno("sending to " + Sockets.describe(socket.remote()), errno);
        }
        count = 0;
        sent = 0;
        return dropped;
    }
}
