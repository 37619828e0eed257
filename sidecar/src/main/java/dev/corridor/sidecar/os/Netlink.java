package dev.corridor.sidecar.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.os.NetlinkMessages.Ack;
import dev.corridor.sidecar.os.NetlinkMessages.MalformedException;
import dev.corridor.sidecar.os.NetlinkMessages.Message;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * An rtnetlink (NETLINK_ROUTE) socket in the network namespace of the thread that opened it. Not thread-safe: one
 * request at a time.
 */
public final class Netlink implements AutoCloseable {
    /** IPv4, for {@link #routes(int)}. */
    public static final int AF_INET = NetlinkMessages.AF_INET;
    /** IPv6, for {@link #routes(int)}. */
    public static final int AF_INET6 = NetlinkMessages.AF_INET6;

    private static final int NETLINK_ROUTE = 0;
    private static final int NETLINK_EXT_ACK = 11;
    private static final long SOCKADDR_NL_SIZE = 12;
    private static final long INITIAL_RECEIVE_SIZE = 32 * 1024;
    /** Far above any real reply; a bound so that a bogus size never turns into a huge allocation. */
    private static final long MAX_DATAGRAM = 16 * 1024 * 1024;
    /** A dump that the kernel marks inconsistent (the table changed meanwhile) is retried this often. */
    private static final int DUMP_ATTEMPTS = 3;

    private static final String NET_ADMIN_HINT = "the container needs the NET_ADMIN capability";

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment kernelAddress;
    private final MemorySegment senderAddress;
    private final MemorySegment senderAddressLength;
    private final MemorySegment sendBuffer;
    private MemorySegment receiveBuffer;
    private int sequence;
    private boolean closed;

    private Netlink(int fd) {
        this.fd = fd;
        this.kernelAddress = arena.allocate(SOCKADDR_NL_SIZE, 4);
        kernelAddress.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK); // nl_pid 0: the kernel
        this.senderAddress = arena.allocate(SOCKADDR_NL_SIZE, 4);
        this.senderAddressLength = arena.allocate(JAVA_INT);
        this.sendBuffer = arena.allocate(NetlinkMessages.MAX_REQUEST);
        this.receiveBuffer = arena.allocate(INITIAL_RECEIVE_SIZE);
    }

    public static Netlink open() throws OsException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            throw OsException.fromErrno("opening an rtnetlink socket", Libc.errno());
        }
        Netlink netlink = new Netlink(fd);
        // Extended acks carry the kernel's own explanation of an error ("Nexthop has invalid gateway"). Kernels
        // before 4.12 lack the option; errors then just come without that text.
        Libc.setsockopt(fd, Libc.SOL_NETLINK, NETLINK_EXT_ACK, netlink.arena.allocateFrom(JAVA_INT, 1));
        return netlink;
    }

    /** The interface of that name, empty when there is none. */
    public Optional<Link> link(String name) throws OsException {
        String doing = "looking up interface '" + name + "'";
        InterfaceName.check(doing, name);
        return link(seq -> NetlinkMessages.getLink(seq, name), () -> doing);
    }

    /** The interface of that index, empty when there is none. */
    public Optional<Link> link(int index) throws OsException {
        return link(seq -> NetlinkMessages.getLink(seq, index), () -> "looking up interface " + index);
    }

    /** Deletes an interface (RTM_DELLINK). */
    public void deleteLink(int index) throws OsException {
        exchange(
                seq -> NetlinkMessages.deleteLink(seq, index),
                null,
                () -> "deleting " + interfaceName(index),
                errno -> errno == Libc.EPERM ? NET_ADMIN_HINT : null);
    }

    /** Sets the MTU of an interface and brings it up or down. */
    public void setLink(int index, int mtu, boolean up) throws OsException {
        exchange(
                seq -> NetlinkMessages.setLink(seq, index, mtu, up),
                null,
                () -> "setting MTU " + mtu + " on " + interfaceName(index) + " and bringing it " + (up ? "up" : "down"),
                errno -> switch (errno) {
                    case Libc.EPERM -> NET_ADMIN_HINT;
                    case Libc.EINVAL -> "the MTU may be outside the range the interface accepts";
                    default -> null;
                });
    }

    /** Adds an IPv4 or IPv6 address (IPv6 without duplicate address detection, so it is usable at once). */
    public void addAddress(int index, AssignedAddress address) throws OsException {
        exchange(
                seq -> NetlinkMessages.newAddress(seq, index, address),
                null,
                () -> "adding address " + address + " to " + interfaceName(index),
                errno -> switch (errno) {
                    case Libc.EPERM -> NET_ADMIN_HINT;
                    case Libc.EEXIST -> "the interface already has that address";
                    default -> null;
                });
    }

    /** Removes an address {@link #addAddress} added; routes that use it as their source go with it. */
    public void deleteAddress(int index, AssignedAddress address) throws OsException {
        exchange(
                seq -> NetlinkMessages.deleteAddress(seq, index, address),
                null,
                () -> "removing address " + address + " from " + interfaceName(index),
                errno -> errno == Libc.EPERM ? NET_ADMIN_HINT : null);
    }

    /** Puts this route in place of the one to the same destination, in one step: no moment without either. */
    public void replaceRoute(Route route) throws OsException {
        exchange(
                seq -> NetlinkMessages.replaceRoute(seq, route),
                null,
                () -> "replacing route " + describe(route),
                errno -> switch (errno) {
                    case Libc.EPERM -> NET_ADMIN_HINT;
                    case Libc.ENETUNREACH -> "the gateway is not on a network the output interface reaches directly";
                    default -> null;
                });
    }

    /** Adds a route; fails with EEXIST rather than replace one that is there. */
    public void addRoute(Route route) throws OsException {
        exchange(
                seq -> NetlinkMessages.newRoute(seq, route),
                null,
                () -> "adding route " + describe(route),
                errno -> switch (errno) {
                    case Libc.EPERM -> NET_ADMIN_HINT;
                    case Libc.EEXIST -> "the table already has a route to " + route.destination();
                    case Libc.ENETUNREACH -> "the gateway is not on a network the output interface reaches directly";
                    default -> null;
                });
    }

    /** Deletes a route. A missing route is an OsException too (ESRCH, on some kernels ENOENT): the caller decides. */
    public void deleteRoute(Route route) throws OsException {
        exchange(
                seq -> NetlinkMessages.deleteRoute(seq, route),
                null,
                () -> "deleting route " + describe(route),
                errno -> switch (errno) {
                    case Libc.EPERM -> NET_ADMIN_HINT;
                    case Libc.ESRCH, Libc.ENOENT -> "there is no such route";
                    default -> null;
                });
    }

    /** The routes of the main table of one family ({@link #AF_INET} or {@link #AF_INET6}) that {@link Route} can express. */
    public List<Route> routes(int family) throws OsException {
        if (family != AF_INET && family != AF_INET6) {
            throw new IllegalArgumentException("address family " + family + " is neither AF_INET nor AF_INET6");
        }
        List<Optional<Route>> routes = exchange(
                seq -> NetlinkMessages.dumpRoutes(seq, family),
                NetlinkMessages::route,
                () -> "listing the " + (family == AF_INET ? "IPv4" : "IPv6") + " routes",
                errno -> null);
        return routes.stream()
                .flatMap(Optional::stream)
                .filter(route -> route.table() == Route.TABLE_MAIN)
                .toList();
    }

    /** The route the kernel would use for a destination, as {@code ip route get} shows it: gateway, interface, source. */
    public Route lookup(InetAddress destination) throws OsException {
        String doing = "looking up the route to " + destination.getHostAddress();
        List<Optional<Route>> replies = exchange(
                seq -> NetlinkMessages.getRoute(seq, destination),
                NetlinkMessages::route,
                () -> doing,
                errno -> errno == Libc.ENETUNREACH ? "no route matches it" : null);
        if (replies.isEmpty()) {
            throw new OsException(doing + ": the kernel sent no route");
        }
        return replies.getFirst()
                .orElseThrow(() -> new OsException(doing
                        + ": the kernel answered with a local, broadcast or multicast route, which is not a way out"));
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }

    private Optional<Link> link(IntFunction<byte[]> request, Supplier<String> doing) throws OsException {
        try {
            return exchange(request, NetlinkMessages::link, doing, errno -> null).stream()
                    .findFirst();
        } catch (OsException e) {
            if (e.errno() == Libc.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** An interface's name for a message, looked up only when a message is being made. */
    private String interfaceName(int index) {
        try {
            return link(index).map(Link::name).orElse("interface " + index);
        } catch (OsException e) {
            return "interface " + index;
        }
    }

    private String describe(Route route) {
        StringBuilder text = new StringBuilder();
        if (route.type() != RouteType.UNICAST) {
            text.append(route.type().name().toLowerCase(Locale.ROOT)).append(' ');
        }
        text.append(route.destination());
        route.gateway().ifPresent(gateway -> text.append(" via ").append(gateway.getHostAddress()));
        if (route.outputInterface() != 0) {
            text.append(route.gateway().isPresent() ? " on " : " via ").append(interfaceName(route.outputInterface()));
        }
        route.preferredSource().ifPresent(source -> text.append(" with source ").append(source.getHostAddress()));
        if (route.table() != Route.TABLE_MAIN) {
            text.append(" in table ").append(route.table());
        }
        return text.toString();
    }

    private interface Decoder<T> {
        T decode(Message message) throws MalformedException;
    }

    /**
     * Sends one request and collects its decoded replies: none for a request that is only acked (decoder null), up
     * to NLMSG_DONE for a dump, the single reply otherwise. {@code doing} and {@code hint} make the error message
     * and are called only on failure.
     */
    private <T> List<T> exchange(
            IntFunction<byte[]> request, Decoder<T> decoder, Supplier<String> doing, IntFunction<String> hint)
            throws OsException {
        if (closed) {
            throw new OsException(doing.get() + ": the netlink socket is closed");
        }
        for (int attempt = 1; ; attempt++) {
            int seq = ++sequence;
            send(request.apply(seq), doing);
            List<T> replies = new ArrayList<>();
            boolean interrupted = false;
            try {
                receiving:
                while (true) {
                    for (Message message : NetlinkMessages.parse(receive(doing))) {
                        if (message.sequence() != seq) {
                            continue; // a late reply to an earlier request
                        }
                        if (message.type() == NetlinkMessages.NLMSG_ERROR) {
                            Ack ack = NetlinkMessages.ack(message);
                            if (ack.errno() != 0) {
                                throw failure(doing.get(), ack.errno(), ack.kernelMessage(), hint);
                            }
                            break receiving;
                        }
                        if (message.type() == NetlinkMessages.NLMSG_DONE) {
                            int errno = NetlinkMessages.doneErrno(message);
                            if (errno != 0) {
                                throw failure(doing.get(), errno, Optional.empty(), hint);
                            }
                            break receiving;
                        }
                        if (decoder == null) {
                            throw new MalformedException("unexpected message type " + message.type()
                                    + " in reply to a request that is only acked");
                        }
                        interrupted |= (message.flags() & NetlinkMessages.NLM_F_DUMP_INTR) != 0;
                        replies.add(decoder.decode(message));
                        if ((message.flags() & NetlinkMessages.NLM_F_MULTI) == 0) {
                            break receiving;
                        }
                    }
                }
            } catch (MalformedException e) {
                throw new OsException(doing.get() + ": the kernel's reply is malformed (" + e.getMessage() + ")", e);
            }
            if (!interrupted) {
                return replies;
            }
            if (attempt == DUMP_ATTEMPTS) {
                throw new OsException(doing.get() + ": the table kept changing during " + DUMP_ATTEMPTS + " dumps");
            }
        }
    }

    private static OsException failure(
            String doing, int errno, Optional<String> kernelMessage, IntFunction<String> hint) {
        String text =
                kernelMessage.map(message -> "the kernel says: " + message).orElse(null);
        String advice = hint.apply(errno);
        if (advice != null) {
            text = text == null ? advice : text + "; " + advice;
        }
        return text == null ? OsException.fromErrno(doing, errno) : OsException.fromErrno(doing, errno, text);
    }

    private void send(byte[] request, Supplier<String> doing) throws OsException {
        MemorySegment.copy(request, 0, sendBuffer, JAVA_BYTE, 0, request.length);
        while (Libc.sendto(fd, sendBuffer, request.length, kernelAddress) < 0) {
            int errno = Libc.errno();
            if (errno != Libc.EINTR) {
                throw OsException.fromErrno(doing.get() + ": sending the netlink request", errno);
            }
        }
    }

    /** The next datagram from the kernel; the buffer grows to fit it (its size is peeked first). */
    private ByteBuffer receive(Supplier<String> doing) throws OsException {
        while (true) {
            long size = Libc.recvfrom(
                    fd, receiveBuffer, 0, Libc.MSG_PEEK | Libc.MSG_TRUNC, MemorySegment.NULL, MemorySegment.NULL);
            if (size >= 0 && size > receiveBuffer.byteSize()) {
                if (size > MAX_DATAGRAM) {
                    throw new OsException(doing.get() + ": the kernel's reply is " + size
                            + " bytes long, more than the " + MAX_DATAGRAM + " this reader accepts");
                }
                receiveBuffer = arena.allocate(size);
            }
            if (size >= 0) {
                senderAddressLength.set(JAVA_INT, 0, (int) SOCKADDR_NL_SIZE);
                size = Libc.recvfrom(
                        fd, receiveBuffer, receiveBuffer.byteSize(), 0, senderAddress, senderAddressLength);
            }
            if (size < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EINTR) {
                    continue;
                }
                throw OsException.fromErrno(doing.get() + ": receiving the netlink reply", errno);
            }
            if (senderAddress.get(JAVA_INT, 4) != 0) {
                continue; // not from the kernel (nl_pid 0): another process's message, never a reply to us
            }
            return receiveBuffer.asSlice(0, size).asByteBuffer().order(ByteOrder.nativeOrder());
        }
    }
}
