package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Datagrams moved in batches: one recvmmsg(2) or sendmmsg(2) call for up to {@link #CAPACITY} datagrams instead
 * of one system call each, which is most of what a packet costs beyond the kernel's own work. The datagrams live
 * in native memory (the kernel's message headers must point at them), so each is copied once to or from the
 * caller's array. Where the kernel offers UDP generic segmentation (UDP_SEGMENT, Linux 4.18), a run of datagrams of
 * one size (and one shorter at its end) goes as one message, which the kernel cuts at that size only where it must:
 * one pass through the stack for the run instead of one per datagram, as wireguard-go and Tailscale send. On the way
 * in, a socket with UDP generic receive offload (UDP_GRO, Linux 5.0) may get a run of datagrams the kernel merged as
 * one message of up to 64 KB, with the size to cut it at; {@link #nextDatagram} hands out its datagrams one by one.
 * Each message therefore has 64 KB of room, in memory that is mapped rather than allocated: the kernel backs only the
 * pages it writes, so without merged messages a slot costs a page.
 *
 * <p>Threads: one thread uses a batch; it, or the owner once that thread has stopped, closes it.
 */
public final class DatagramBatch implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DatagramBatch.class.getName());
    /**
     * Datagrams per call. Control records sent between batches can overtake a batch's records; a batch well inside
     * the receiver's 64-record replay window keeps those records acceptable.
     */
    public static final int CAPACITY = 32;
    /** The longest datagram: a full 1500-byte path plus slack; a longer one is dropped. */
    public static final int SLOT = 2048;
    /** Room per message: a merged run of datagrams (UDP_GRO) is up to 64 KB. */
    private static final int STRIDE = 65536;
    /**
     * The most one segmented send carries: the largest UDP payload over IPv4 (65,535 less the IP and UDP headers). A
     * longer run (32 slot-sized records on a jumbo-frame path) would be refused with EMSGSIZE.
     */
    private static final int MAX_RUN_BYTES = 65_507;

    /** struct iovec { void *base; size_t len; } */
    private static final long IOVEC_SIZE = 16;
    /** struct mmsghdr { struct msghdr (56 bytes); unsigned int msg_len; } padded to 64. */
    private static final long MMSGHDR_SIZE = 64;

    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final long MSG_FLAGS = 48;
    private static final long MSG_LEN = 56;
    /** struct cmsghdr { size_t len; int level; int type; } and the u16 segment size: CMSG_LEN(2), CMSG_SPACE(2). */
    private static final long CMSG_LEN = 18;

    private static final long CMSG_SPACE = 24;
    /** The same header with an int: the segment size of a merged message (UDP_GRO), CMSG_LEN(4). */
    private static final long GRO_CMSG_LEN = 20;

    /** Holds the batch's native memory until {@link #close}, not until a garbage collection finds the batch unreachable. */
    private final Arena arena = Arena.ofShared();

    private final MemorySegment slots;
    private final MemorySegment iovecs;
    private final MemorySegment headers;
    /** The messages of a send: one per datagram, or one per run of datagrams with its UDP_SEGMENT control message. */
    private final MemorySegment sendHeaders;

    /** Each slot's iovec, and each message's control buffer: made once, so that a send allocates nothing. */
    private final MemorySegment[] iovecFrom = new MemorySegment[CAPACITY];

    private final MemorySegment[] controls = new MemorySegment[CAPACITY];
    /** Each received message's control buffer, where the kernel puts the segment size of a merged message. */
    private final MemorySegment receiveControls;
    /** How many datagrams each message of {@link #sendHeaders} carries. */
    private final int[] datagramsPerMessage = new int[CAPACITY];

    private int count;
    /** How many datagrams of the last send the kernel took. */
    private int lastSent;
    /** Reading what was received: the message, and where in it the next datagram starts. */
    private int readMessage;

    private int readOffset;
    /** The size the message being read is cut at. */
    private int readSegment;

    private long datagramAt;
    private int datagramLength;

    public DatagramBatch() {
        slots = Libc.mapAnonymous((long) CAPACITY * STRIDE, arena);
        receiveControls = arena.allocate(CAPACITY * CMSG_SPACE, 8);
        iovecs = arena.allocate(CAPACITY * IOVEC_SIZE, 8);
        headers = arena.allocate(CAPACITY * MMSGHDR_SIZE, 8);
        sendHeaders = arena.allocate(CAPACITY * MMSGHDR_SIZE, 8);
        MemorySegment controlSpace = arena.allocate(CAPACITY * CMSG_SPACE, 8);
        for (int i = 0; i < CAPACITY; i++) {
            iovecs.set(ADDRESS, i * IOVEC_SIZE, slots.asSlice((long) i * STRIDE, STRIDE));
            iovecs.set(JAVA_LONG, i * IOVEC_SIZE + 8, SLOT);
            headers.set(ADDRESS, i * MMSGHDR_SIZE + MSG_IOV, iovecs.asSlice(i * IOVEC_SIZE, IOVEC_SIZE));
            headers.set(JAVA_LONG, i * MMSGHDR_SIZE + MSG_IOVLEN, 1);
            headers.set(ADDRESS, i * MMSGHDR_SIZE + MSG_CONTROL, receiveControls.asSlice(i * CMSG_SPACE, CMSG_SPACE));
            iovecFrom[i] = iovecs.asSlice(i * IOVEC_SIZE);
            controls[i] = controlSpace.asSlice(i * CMSG_SPACE, CMSG_SPACE);
            controls[i].set(JAVA_LONG, 0, CMSG_LEN);
            controls[i].set(JAVA_INT, 8, Libc.SOL_UDP);
            controls[i].set(JAVA_INT, 12, Libc.UDP_SEGMENT);
        }
    }

    /** How many datagrams the batch holds: received by {@link #receive}, or added and not yet sent. */
    public int count() {
        return count;
    }

    /**
     * Receives what is pending, up to {@code max} messages, without waiting; replaces what the batch held. Returns
     * how many messages came: as many datagrams, or more where the kernel merged some ({@link #nextDatagram}).
     */
    public int receive(UdpSocket socket, int max) throws OsException {
        int wanted = Math.min(max, CAPACITY);
        long room = socket.receiveOffload() ? STRIDE : SLOT;
        for (int i = 0; i < wanted; i++) {
            iovecs.set(JAVA_LONG, i * IOVEC_SIZE + 8, room);
            headers.set(JAVA_LONG, i * MMSGHDR_SIZE + MSG_CONTROLLEN, CMSG_SPACE);
        }
        readMessage = 0;
        readOffset = 0;
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

    /**
     * Moves to the next datagram received: the next message, or the next segment of a merged one. False when none
     * is left.
     */
    public boolean nextDatagram() {
        if (readMessage >= count) {
            return false;
        }
        long header = readMessage * MMSGHDR_SIZE;
        int total = headers.get(JAVA_INT, header + MSG_LEN);
        if ((headers.get(JAVA_INT, header + MSG_FLAGS) & Libc.MSG_TRUNC) != 0) {
            datagramLength = -1;
            readMessage++;
            return true;
        }
        if (readOffset == 0) {
            readSegment = segmentSize(readMessage, total);
        }
        datagramAt = (long) readMessage * STRIDE + readOffset;
        datagramLength = Math.min(readSegment, total - readOffset);
        readOffset += datagramLength;
        if (readOffset >= total) {
            readMessage++;
            readOffset = 0;
        }
        return true;
    }

    /** The size message {@code m} is cut at: the kernel's UDP_GRO segment size for a merged one, else its length. */
    private int segmentSize(int m, int total) {
        long control = m * CMSG_SPACE;
        boolean merged = headers.get(JAVA_LONG, m * MMSGHDR_SIZE + MSG_CONTROLLEN) >= GRO_CMSG_LEN
                && receiveControls.get(JAVA_INT, control + 8) == Libc.SOL_UDP
                && receiveControls.get(JAVA_INT, control + 12) == Libc.UDP_GRO;
        return merged ? Math.max(receiveControls.get(JAVA_INT, control + 16), 1) : total;
    }

    /** The current datagram's length, or -1 when it did not fit (it is then incomplete) or is longer than {@link #SLOT}. */
    public int datagramLength() {
        return datagramLength > SLOT ? -1 : datagramLength;
    }

    /** Copies the current datagram into {@code dst} at {@code off}. */
    public void copyDatagram(byte[] dst, int off) {
        MemorySegment.copy(slots, JAVA_BYTE, datagramAt, dst, off, datagramLength);
    }

    /** How many datagrams the last {@link #send} handed to the kernel, also when it failed part way. */
    public int lastSent() {
        return lastSent;
    }

    /** Adds a datagram to send; false when the batch is full (send it first) or the datagram exceeds a slot. */
    public boolean add(byte[] src, int off, int len) {
        if (count == CAPACITY || len > SLOT) {
            return false;
        }
        MemorySegment.copy(src, off, slots, JAVA_BYTE, (long) count * STRIDE, len);
        iovecs.set(JAVA_LONG, count * IOVEC_SIZE + 8, len);
        count++;
        return true;
    }

    /**
     * Sends the datagrams added since the last call. When the socket buffer is full it waits up to
     * {@link UdpSocket#SEND_WAIT_MILLIS} for room; what still does not fit is dropped, as a congested link drops.
     *
     * @return how many datagrams were dropped (the last ones added)
     */
    public int send(UdpSocket socket) throws OsException {
        int dropped = 0;
        int sent = 0;
        lastSent = 0;
        while (sent < count) {
            int messages = prepareMessages(sent, socket.segmentation());
            int n = Libc.sendmmsg(socket.pollable().fd(), sendHeaders, messages, Libc.MSG_DONTWAIT);
            if (n > 0) {
                for (int m = 0; m < n; m++) {
                    sent += datagramsPerMessage[m];
                }
                lastSent = sent;
                continue;
            }
            int errno = Libc.errno();
            if (errno == Libc.EINTR) {
                continue;
            }
            if ((errno == Libc.EIO || errno == Libc.EINVAL) && socket.segmentation()) {
                LOG.log(
                        Level.INFO,
                        "the path to {0} refuses UDP segmentation ({1}); sending datagrams one by one",
                        Sockets.describe(socket.remote()),
                        Libc.errnoName(errno));
                socket.stopSegmentation();
                continue;
            }
            if (errno == Libc.EAGAIN || errno == Libc.ENOBUFS) {
                if (!socket.pollable().awaitWritable(UdpSocket.SEND_WAIT_MILLIS)) {
                    dropped = count - sent;
                    break;
                }
                continue;
            }
            count = 0;
            throw OsException.fromErrno("sending to " + Sockets.describe(socket.remote()), errno);
        }
        count = 0;
        return dropped;
    }

    /**
     * Fills {@link #sendHeaders} with the datagrams from {@code first} on and returns how many messages it made:
     * with segmentation, a run of datagrams of one size, which may end with one shorter datagram (the kernel's rule
     * for a segmented send), goes as one message whose iovecs are the run's slots; without, one message each. EIO
     * or EINVAL for a segmented send (an interface without checksum offload, a datagram above the path's MTU) ends
     * segmentation on that socket, and the batch goes again one by one.
     */
    private int prepareMessages(int first, boolean segmentation) {
        int messages = 0;
        int i = first;
        while (i < count) {
            long size = iovecs.get(JAVA_LONG, i * IOVEC_SIZE + 8);
            int end = i + 1;
            if (segmentation) {
                while (end < count
                        && iovecs.get(JAVA_LONG, (end - 1) * IOVEC_SIZE + 8) == size
                        && iovecs.get(JAVA_LONG, end * IOVEC_SIZE + 8) <= size
                        && (end - i + 1) * size <= MAX_RUN_BYTES) {
                    end++;
                }
            }
            long header = messages * MMSGHDR_SIZE;
            sendHeaders.set(ADDRESS, header + MSG_IOV, iovecFrom[i]);
            sendHeaders.set(JAVA_LONG, header + MSG_IOVLEN, end - i);
            if (end - i > 1) {
                controls[messages].set(JAVA_SHORT, 16, (short) size);
                sendHeaders.set(ADDRESS, header + MSG_CONTROL, controls[messages]);
                sendHeaders.set(JAVA_LONG, header + MSG_CONTROLLEN, CMSG_SPACE);
            } else {
                sendHeaders.set(ADDRESS, header + MSG_CONTROL, MemorySegment.NULL);
                sendHeaders.set(JAVA_LONG, header + MSG_CONTROLLEN, 0);
            }
            datagramsPerMessage[messages++] = end - i;
            i = end;
        }
        return messages;
    }

    /** Frees the batch's native memory; using the batch afterwards fails. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
