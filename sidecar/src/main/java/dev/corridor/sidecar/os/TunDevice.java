package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A tun device, opened non-blocking in the calling thread's network namespace. It takes plain IP packets and hands
 * out plain, complete IP packets, but the kernel hands it more per read: IFF_VNET_HDR with TUNSETOFFLOAD lets the
 * pod's TCP send segments of up to 64 KB with their checksums left open, which {@link OffloadedPackets} cuts into
 * packets of the pod's MTU and completes (fewer reads, and a cheaper TCP stack in the pod). On the way in,
 * {@link CoalescedPackets} writes consecutive segments of a TCP flow as one. A kernel that refuses the offloads still
 * puts the header before each packet, with nothing left to do, and gets every packet written alone.
 *
 * <p>Threads: one thread reads (with {@link #awaitReadable}), one thread writes, {@link #wakeup} and
 * {@link #close} from any thread. Stop the reader (wakeup, then join) before closing; read and write after close
 * fail.
 */
public final class TunDevice implements PacketDevice, AutoCloseable {
    private static final String TUN_DIRECTORY = "/dev/net";
    private static final String TUN_PATH = "/dev/net/tun";
    /** makedev(10, 200): the misc device major and the tun minor. */
    private static final long TUN_DEVICE_NUMBER = (10 << 8) | 200;

    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUN_F_CSUM = 0x01;
    private static final long TUN_F_TSO4 = 0x02;
    private static final long TUN_F_TSO6 = 0x04;

    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private final String name;
    private final int index;
    private final PollableFd fd;
    private final boolean offloads;
    private final OffloadedPackets offloaded = new OffloadedPackets();
    private final CoalescedPackets coalesced = new CoalescedPackets();

    private TunDevice(String name, int index, PollableFd fd, boolean offloads) {
        this.name = name;
        this.index = index;
        this.fd = fd;
        this.offloads = offloads;
    }

    /**
     * Creates the device, or attaches to an existing tun device of that name that no one else has open. If
     * /dev/net/tun is missing, creates it (mkdir /dev/net, mknod c 10 200, mode 0600) first.
     */
    public static TunDevice create(String name) throws OsException {
        String doing = "creating tun device '" + name + "'";
        InterfaceName.check(doing, name);
        Arena arena = Arena.ofAuto();
        int fd = openTun(doing, arena);
        try {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            ifreq.setString(0, name);
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS_OFFSET, (short) (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR));
            if (Libc.ioctl(fd, TUNSETIFF, ifreq) < 0) {
                throw setIffFailure(doing, Libc.errno());
            }
            String actualName = ifreq.getString(0);
            int index = Libc.ifNameToIndex(ifreq);
            if (index == 0) {
                throw OsException.fromErrno("finding the index of tun device '" + actualName + "'", Libc.errno());
            }
            // The flags are ioctl's third argument itself, not a pointer to them.
            boolean offloads =
                    Libc.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) == 0;
            return new TunDevice(actualName, index, new PollableFd(fd, "tun device '" + actualName + "'"), offloads);
        } catch (OsException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The interface index (ifindex). */
    public int index() {
        return index;
    }

    /** Whether the kernel took the checksum and TCP segmentation offloads (TUNSETOFFLOAD). */
    public boolean offloads() {
        return offloads;
    }

    /**
     * Reads one packet into {@code buf} at {@code off}. Never blocks: returns 0 when no packet is pending. A packet
     * longer than {@code max} is cut to {@code max} bytes (its whole length is returned), so pass room for the MTU.
     */
    @Override
    public int read(byte[] buf, int off, int max) throws OsException {
        while (!offloaded.hasNext()) {
            long read;
            try {
                read = fd.readPending(offloaded.buffer(), 0, OffloadedPackets.MAX_READ);
            } catch (OsException e) {
                throw e.errno() == 0 ? e : ioFailure("reading from tun device '" + name + "'", e.errno());
            }
            if (read <= 0) {
                return 0;
            }
            offloaded.accept((int) read);
        }
        return offloaded.next(buf, off, max);
    }

    /** Whether packets of the last read are still to be read: the fd need not be readable for {@link #read} to return one. */
    boolean hasPendingPackets() {
        return offloaded.hasNext();
    }

    /**
     * Waits until a packet is readable (true), or until the timeout passes or {@link #wakeup} is called (false).
     * A wakeup that comes while no one waits makes the next call return false at once. {@code timeoutMillis < 0}
     * waits indefinitely.
     */
    @Override
    public boolean awaitReadable(long timeoutMillis) throws OsException {
        return offloaded.hasNext() || fd.awaitReadable(timeoutMillis);
    }

    /**
     * Writes the batch, coalescing consecutive segments of a TCP flow into one ({@link CoalescedPackets}) when the
     * kernel took the offloads.
     */
    @Override
    public void write(PacketBatch batch) throws OsException {
        coalesced.write(batch, offloads, this::writeFrame);
    }

    private OsException writeFrame(byte[] frame, int off, int len) throws OsException {
        long n = fd.write(frame, off, len);
        if (n == len) {
            return null;
        }
        int packet = len - OffloadedPackets.HEADER_LENGTH;
        String doing = "writing a " + packet + "-byte packet to tun device '" + name + "'";
        if (n >= 0) {
            return new OsException(
                    doing + ": the kernel took only " + Math.max(n - OffloadedPackets.HEADER_LENGTH, 0) + " bytes");
        }
        return ioFailure(doing, Libc.errno());
    }

    PollableFd pollable() {
        return fd;
    }

    /** Wakes a thread blocked in {@link #awaitReadable} or in a {@link DataPoller}. Safe from any thread, also after close. */
    @Override
    public void wakeup() {
        fd.wakeup();
    }

    /** Closes the fds (waking a thread in awaitReadable first); a device that is not persistent disappears. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "tun device '" + name + "' (index " + index + ")";
    }

    /** Creates the tun character device node; the paths are parameters so that tests can use a scratch directory. */
    static void createNode(String directory, String node, String doing) throws OsException {
        try (Arena arena = Arena.ofConfined()) {
            String what = doing + ": " + node + " is missing, and creating it failed";
            if (Libc.mkdir(arena.allocateFrom(directory), 0755) < 0) {
                int errno = Libc.errno();
                if (errno != Libc.EEXIST) {
                    throw nodeFailure(what, errno);
                }
            }
            if (Libc.mknod(arena.allocateFrom(node), Libc.S_IFCHR | 0600, TUN_DEVICE_NUMBER) < 0) {
                int errno = Libc.errno();
                if (errno != Libc.EEXIST) { // EEXIST: someone else created it meanwhile
                    throw nodeFailure(what, errno);
                }
            }
        }
    }

    private static int openTun(String doing, Arena arena) throws OsException {
        MemorySegment path = arena.allocateFrom(TUN_PATH);
        int flags = Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NONBLOCK;
        int fd = Libc.open(path, flags);
        if (fd >= 0) {
            return fd;
        }
        int errno = Libc.errno();
        if (errno == Libc.ENOENT) {
            createNode(TUN_DIRECTORY, TUN_PATH, doing);
            fd = Libc.open(path, flags);
            if (fd >= 0) {
                return fd;
            }
            errno = Libc.errno();
        }
        if (errno == Libc.EPERM) {
            // The node exists and root may not open it: only the device cgroup says no that way.
            throw OsException.fromErrno(
                    doing + ": opening " + TUN_PATH,
                    errno,
                    "the container runtime withholds the tun device "
                            + "(character device 10:200) from the container: runc 1.2.0 to 1.2.3 and crun releases from May 2022 to "
                            + "January 2025 left it out of their default device list (runc #4555, crun #1637). Upgrade the node's "
                            + "runtime, or give the sidecar the device another way: a device plugin, or a privileged sidecar");
        }
        if (errno == Libc.EACCES) {
            throw OsException.fromErrno(
                    doing + ": opening " + TUN_PATH,
                    errno,
                    "its permissions do not let this user open it: the sidecar must run as root (user 0) in its container");
        }
        throw OsException.fromErrno(doing + ": opening " + TUN_PATH, errno);
    }

    private static OsException setIffFailure(String doing, int errno) {
        return switch (errno) {
            case Libc.EPERM -> OsException.fromErrno(doing, errno, "the container needs the NET_ADMIN capability");
            case Libc.EBUSY -> OsException.fromErrno(doing, errno, "the device exists and another process has it open");
            case Libc.EINVAL ->
                OsException.fromErrno(
                        doing, errno, "a network interface of that name may already exist and not be a tun device");
            default -> OsException.fromErrno(doing, errno);
        };
    }

    private static OsException nodeFailure(String what, int errno) {
        if (errno == Libc.EPERM || errno == Libc.EACCES || errno == Libc.EROFS) {
            return OsException.fromErrno(
                    what,
                    errno,
                    "mount /dev/net/tun into the container (e.g. with a device "
                            + "plugin or a hostPath volume of type CharDevice), or grant the MKNOD capability as well as NET_ADMIN");
        }
        return OsException.fromErrno(what, errno);
    }

    private static OsException ioFailure(String doing, int errno) {
        return switch (errno) {
            case Libc.EBADFD ->
                OsException.fromErrno(doing, errno, "the interface was deleted while the device was open");
            case Libc.EINVAL -> OsException.fromErrno(doing, errno, "the kernel takes only whole IPv4 or IPv6 packets");
            default -> OsException.fromErrno(doing, errno);
        };
    }
}
