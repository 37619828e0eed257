package dev.corridor.sidecar.os;

import static dev.corridor.sidecar.os.Downcalls.unchecked;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls this package needs, as FFM downcalls. Every call that can fail captures errno into a
 * per-thread segment; {@link #errno()} reads it back on the same thread, right after the failed call.
 */
final class Libc {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EROFS = 30;
    static final int EBADFD = 77;
    static final int ENETUNREACH = 101;
    static final int ENOBUFS = 105;
    static final int EHOSTUNREACH = 113;
    static final int ETIMEDOUT = 110;
    static final int EINPROGRESS = 115;

    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int SO_ERROR = 4;
    static final int SOCK_NONBLOCK = 0x800;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_NETLINK = 270;
    static final int SOL_SOCKET = 1;
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int MSG_PEEK = 0x2;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_TRUNC = 0x20;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLNVAL = 0x20;
    static final int S_IFCHR = 0x2000;
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall(
            "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            ERRNO_CAPTURE);
    private static final MethodHandle CLOSE =
            downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_CAPTURE);
    private static final MethodHandle IOCTL = downcall(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2),
            ERRNO_CAPTURE);
    // read and write run once per packet. critical(true) lets them take heap segments (a slice of the caller's
    // byte[]) without a copy and without a thread-state transition. A critical call must never block: the fds
    // they are used on are non-blocking, and waiting happens in poll, which is an ordinary downcall. JDK 25
    // accepts critical together with errno capture; the capture goes to a preallocated per-thread segment.
    private static final MethodHandle READ = downcall(
            "read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(true),
            ERRNO_CAPTURE);
    private static final MethodHandle WRITE = downcall(
            "write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(true),
            ERRNO_CAPTURE);
    private static final MethodHandle POLL =
            downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_CAPTURE);
    private static final MethodHandle EVENTFD =
            downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_CAPTURE);
    private static final MethodHandle SOCKET =
            downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_CAPTURE);
    private static final MethodHandle SETSOCKOPT = downcall(
            "setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            ERRNO_CAPTURE);
    private static final MethodHandle SENDTO = downcall(
            "sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
            ERRNO_CAPTURE);
    private static final MethodHandle RECVFROM = downcall(
            "recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS),
            ERRNO_CAPTURE);
    private static final MethodHandle GETSOCKOPT = downcall(
            "getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
            ERRNO_CAPTURE);
    private static final MethodHandle CONNECT =
            downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_CAPTURE);
    // Bound at start even so: a start looks for an earlier run's device, and its absence is an error with a text.
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX =
            downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), ERRNO_CAPTURE);

    private Libc() {}

    /** The errno of the last failed call made through this class on the calling thread. */
    static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    static int open(MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(STATE.get(), path, flags, 0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int ioctl(int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(STATE.get(), fd, request, argument);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Only for non-blocking fds (a critical call). */
    static long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(STATE.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Only for non-blocking fds (a critical call). */
    static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(STATE.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(STATE.get(), fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int eventfd(int initialValue, int flags) {
        try {
            return (int) EVENTFD.invokeExact(STATE.get(), initialValue, flags);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(STATE.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int setsockopt(int fd, int level, int option, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(STATE.get(), fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long sendto(int fd, MemorySegment buffer, long count, MemorySegment address) {
        try {
            return (long) SENDTO.invokeExact(STATE.get(), fd, buffer, count, 0, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static long recvfrom(
            int fd, MemorySegment buffer, long count, int flags, MemorySegment address, MemorySegment addressLength) {
        try {
            return (long) RECVFROM.invokeExact(STATE.get(), fd, buffer, count, flags, address, addressLength);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** recvmmsg(2) without a timeout: the number of datagrams received, or -1 with errno set. */
    static int recvmmsg(int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) Datagrams.RECVMMSG.invokeExact(STATE.get(), fd, messages, count, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** sendmmsg(2): the number of datagrams sent, or -1 with errno set. */
    static int sendmmsg(int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) Datagrams.SENDMMSG.invokeExact(STATE.get(), fd, messages, count, flags);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * Maps {@code size} bytes of anonymous memory, unmapped when {@code arena} closes. The kernel backs a page only
     * when it is first written, so a large area costs what is used of it.
     */
    @SuppressWarnings("restricted") // a segment over the mapping, of its size, unmapped by its arena's cleanup
    static MemorySegment mapAnonymous(long size, Arena arena) {
        long address;
        try {
            address = ((MemorySegment) Datagrams.MMAP.invokeExact(
                            STATE.get(),
                            MemorySegment.NULL,
                            size,
                            PROT_READ | PROT_WRITE,
                            MAP_PRIVATE_ANONYMOUS,
                            -1,
                            0L))
                    .address();
        } catch (Throwable t) {
            throw unchecked(t);
        }
        if (address == -1L) {
            throw new OutOfMemoryError("mapping " + size + " bytes: " + errnoName(errno()));
        }
        return MemorySegment.ofAddress(address).reinterpret(size, arena, segment -> unmap(segment, size));
    }

    private static void unmap(MemorySegment segment, long size) {
        try {
            int ignored = (int) Datagrams.MUNMAP.invokeExact(STATE.get(), segment, size);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    // Each call shape bound costs the start several milliseconds of spun classes (docs/performance.md), so the calls a
    // start to the first packet does not make are bound on first use, in holder classes.

    /** The DTLS channel's batches and their receive room: bound after the tunnel is up, on the DTLS thread. */
    private static final class Datagrams {
        static final MethodHandle RECVMMSG = downcall(
                "recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                ERRNO_CAPTURE);
        static final MethodHandle SENDMMSG = downcall(
                "sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_CAPTURE);
        static final MethodHandle MMAP = downcall(
                "mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                ERRNO_CAPTURE);
        static final MethodHandle MUNMAP =
                downcall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_CAPTURE);
    }

    /** Only a pod without {@code /dev/net/tun} makes the node. */
    private static final class DeviceNodes {
        static final MethodHandle MKDIR =
                downcall("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_CAPTURE);
        static final MethodHandle MKNOD =
                downcall("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), ERRNO_CAPTURE);
    }

    /** Reads an int socket option; the value, or -1 with errno set. */
    static int getsockoptInt(int fd, int level, int option, MemorySegment scratch) {
        try {
            scratch.set(JAVA_INT, 4, 4); // socklen_t at offset 4
            int result = (int) GETSOCKOPT.invokeExact(STATE.get(), fd, level, option, scratch, scratch.asSlice(4));
            return result < 0 ? -1 : scratch.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int connect(int fd, MemorySegment address) {
        try {
            return (int) CONNECT.invokeExact(STATE.get(), fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int mkdir(MemorySegment path, int mode) {
        try {
            return (int) DeviceNodes.MKDIR.invokeExact(STATE.get(), path, mode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static int mknod(MemorySegment path, int mode, long device) {
        try {
            return (int) DeviceNodes.MKNOD.invokeExact(STATE.get(), path, mode, device);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** 0 when there is no such interface. */
    static int ifNameToIndex(MemorySegment name) {
        try {
            return (int) IF_NAMETOINDEX.invokeExact(STATE.get(), name);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** glibc's text for an errno ("Operation not permitted"). */
    @SuppressWarnings("restricted") // strerror returns a NUL-terminated static string of unknown length
    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** The symbolic name of an errno ("EPERM"), or "errno N" for one this table does not know. */
    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 3 -> "ESRCH";
            case 4 -> "EINTR";
            case 5 -> "EIO";
            case 6 -> "ENXIO";
            case 7 -> "E2BIG";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 19 -> "ENODEV";
            case 20 -> "ENOTDIR";
            case 22 -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 28 -> "ENOSPC";
            case 30 -> "EROFS";
            case 34 -> "ERANGE";
            case 36 -> "ENAMETOOLONG";
            case 61 -> "ENODATA";
            case 77 -> "EBADFD";
            case 90 -> "EMSGSIZE";
            case 92 -> "ENOPROTOOPT";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 100 -> "ENETDOWN";
            case 101 -> "ENETUNREACH";
            case 105 -> "ENOBUFS";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 115 -> "EINPROGRESS";
            case 113 -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }

    @SuppressWarnings("restricted") // native access is enabled for the sidecar (Enable-Native-Access in the jar)
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no " + name + "()"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
