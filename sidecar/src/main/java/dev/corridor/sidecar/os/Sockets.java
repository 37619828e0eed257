package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/** Socket addresses as the kernel takes them. */
final class Sockets {
    private Sockets() {}

    /** A non-blocking socket of {@code type} for {@code remote}'s address family. */
    static int open(int type, InetSocketAddress remote, String what) throws OsException {
        int family = remote.getAddress().getAddress().length == 4 ? Libc.AF_INET : Libc.AF_INET6;
        int socket = Libc.socket(family, type | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            throw OsException.fromErrno("opening " + what, Libc.errno());
        }
        return socket;
    }

    static String describe(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + " port " + address.getPort();
    }

    /** struct sockaddr_in or sockaddr_in6: family in host order, port in network order. */
    static MemorySegment address(Arena arena, InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        boolean v4 = ip.length == 4;
        MemorySegment sockaddr = arena.allocate(v4 ? 16 : 28);
        sockaddr.set(JAVA_SHORT, 0, (short) (v4 ? Libc.AF_INET : Libc.AF_INET6));
        sockaddr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) address.getPort());
        MemorySegment.copy(ip, 0, sockaddr, JAVA_BYTE, v4 ? 4 : 8, ip.length);
        return sockaddr;
    }
}
