package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * rtnetlink messages as bytes: the requests {@link Netlink} sends and the replies it reads, in native byte order.
 * No I/O here. Decoding checks every length against the bytes at hand, so truncated or garbage input ends in
 * {@link MalformedException}, never in a read past the end, an endless loop or an allocation sized by the input.
 */
final class NetlinkMessages {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_DELROUTE = 25;
    static final int RTM_GETROUTE = 26;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_REPLACE = 0x100;
    /** On an NLMSG_ERROR: the echoed request is only its header. */
    static final int NLM_F_CAPPED = 0x100;
    /** On an NLMSG_ERROR: extended-ack attributes follow the echoed request. */
    static final int NLM_F_ACK_TLVS = 0x200;

    static final int HEADER_SIZE = 16;
    private static final int IFINFOMSG_SIZE = 16;
    private static final int RTMSG_SIZE = 12;
    /** Requests are at most a few attributes of at most 16 bytes each. */
    static final int MAX_REQUEST = 256;

    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_EXT_MASK = 29;
    private static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;
    private static final int IFF_UP = 0x1;

    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_F_NODAD = 0x02;

    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_PRIORITY = 6;
    private static final int RTA_PREFSRC = 7;
    private static final int RTA_TABLE = 15;
    private static final int RTN_UNICAST = 1;
    private static final int RTN_BLACKHOLE = 6;
    private static final int RTN_UNREACHABLE = 7;
    private static final int RT_SCOPE_UNIVERSE = 0;
    private static final int RT_SCOPE_LINK = 253;
    private static final int RT_SCOPE_NOWHERE = 255;
    private static final int RT_TABLE_UNSPEC = 0;
    private static final int RTM_F_LOOKUP_TABLE = 0x1000;

    private static final int NLMSGERR_ATTR_MSG = 1;
    /** Clears NLA_F_NESTED and NLA_F_NET_BYTEORDER from an attribute type. */
    private static final int NLA_TYPE_MASK = 0x3fff;

    private NetlinkMessages() {}

    /** One message of a datagram; the payload (what follows the 16-byte header) is a view of the datagram. */
    record Message(int type, int flags, int sequence, ByteBuffer payload) {}

    /** An NLMSG_ERROR: errno 0 is a plain ack; the kernel message comes from an extended ack. */
    record Ack(int errno, Optional<String> kernelMessage) {}

    /** Input that is not a well-formed rtnetlink message. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    // ---- requests

    /** RTM_GETLINK for one interface by name (IFLA_IFNAME); counters are not asked for. */
    static byte[] getLink(int sequence, String name) {
        return new Writer(RTM_GETLINK, NLM_F_REQUEST, sequence)
                .ifinfomsg(0, 0, 0)
                .u32Attribute(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
                .stringAttribute(IFLA_IFNAME, name)
                .finish();
    }

    /** RTM_GETLINK for one interface by index. */
    static byte[] getLink(int sequence, int index) {
        return new Writer(RTM_GETLINK, NLM_F_REQUEST, sequence)
                .ifinfomsg(index, 0, 0)
                .u32Attribute(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
                .finish();
    }

    static byte[] deleteLink(int sequence, int index) {
        return new Writer(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, sequence)
                .ifinfomsg(index, 0, 0)
                .finish();
    }

    /** RTM_NEWLINK on an existing interface: sets the MTU and IFF_UP (ifi_change says only IFF_UP is meant). */
    static byte[] setLink(int sequence, int index, int mtu, boolean up) {
        return new Writer(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence)
                .ifinfomsg(index, up ? IFF_UP : 0, IFF_UP)
                .u32Attribute(IFLA_MTU, mtu)
                .finish();
    }

    /** RTM_NEWADDR with IFA_LOCAL and IFA_ADDRESS both the address; IPv6 skips duplicate address detection. */
    static byte[] newAddress(int sequence, int index, AssignedAddress address) {
        return addressRequest(
                RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, sequence, index, address);
    }

    /** RTM_DELADDR for an address {@link #newAddress} added. */
    static byte[] deleteAddress(int sequence, int index, AssignedAddress address) {
        return addressRequest(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, sequence, index, address);
    }

    private static byte[] addressRequest(int type, int flags, int sequence, int index, AssignedAddress address) {
        byte[] bytes = address.address().getAddress();
        return new Writer(type, flags, sequence)
                .u8(address.isIpv4() ? AF_INET : AF_INET6)
                .u8(address.prefixLength())
                .u8(address.isIpv4() ? 0 : IFA_F_NODAD)
                .u8(RT_SCOPE_UNIVERSE)
                .u32(index)
                .attribute(IFA_LOCAL, bytes)
                .attribute(IFA_ADDRESS, bytes)
                .finish();
    }

    /** RTM_NEWROUTE that fails with EEXIST rather than replace a route. */
    static byte[] newRoute(int sequence, Route route) {
        return routeRequest(
                RTM_NEWROUTE,
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
                sequence,
                route,
                scopeToAdd(route));
    }

    /** RTM_NEWROUTE that replaces the route to the same destination in one step, or adds it when there is none. */
    static byte[] replaceRoute(int sequence, Route route) {
        return routeRequest(
                RTM_NEWROUTE,
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE,
                sequence,
                route,
                scopeToAdd(route));
    }

    /** RTM_DELROUTE matching the route's destination, table, type, protocol, gateway, interface and source. */
    static byte[] deleteRoute(int sequence, Route route) {
        // As ip does: IPv4 matches any scope (RT_SCOPE_NOWHERE is the wildcard); IPv6 has no route scopes.
        int scope = route.destination().isIpv4() ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
        return routeRequest(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, sequence, route, scope);
    }

    /**
     * RTM_GETROUTE dump of one family. RTA_TABLE asks for the main table as ip does, but the kernel honours it only
     * on sockets in strict-check mode, so {@link #route} reports the table and the caller filters.
     */
    static byte[] dumpRoutes(int sequence, int family) {
        return new Writer(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, sequence)
                .rtmsg(family, 0, 0, 0, 0, 0, 0)
                .u32Attribute(RTA_TABLE, Route.TABLE_MAIN)
                .finish();
    }

    /** RTM_GETROUTE for one destination, as {@code ip route get} sends it (IPv4 asks for the real table id). */
    static byte[] getRoute(int sequence, InetAddress destination) {
        byte[] bytes = destination.getAddress();
        boolean ipv4 = destination instanceof Inet4Address;
        return new Writer(RTM_GETROUTE, NLM_F_REQUEST, sequence)
                .rtmsg(ipv4 ? AF_INET : AF_INET6, bytes.length * 8, 0, 0, 0, 0, ipv4 ? RTM_F_LOOKUP_TABLE : 0)
                .attribute(RTA_DST, bytes)
                .finish();
    }

    /** Attributes in the order {@code ip route add DST via GW src SRC table T dev X} sends them. */
    private static byte[] routeRequest(int type, int flags, int sequence, Route route, int scope) {
        IpNetwork destination = route.destination();
        boolean bigTable = route.table() > 255;
        Writer writer = new Writer(type, flags, sequence)
                .rtmsg(
                        destination.isIpv4() ? AF_INET : AF_INET6,
                        destination.prefixLength(),
                        bigTable ? RT_TABLE_UNSPEC : route.table(),
                        route.protocol(),
                        scope,
                        rtnType(route.type()),
                        0)
                .attribute(RTA_DST, destination.address().getAddress());
        route.gateway().ifPresent(gateway -> writer.attribute(RTA_GATEWAY, gateway.getAddress()));
        route.preferredSource().ifPresent(source -> writer.attribute(RTA_PREFSRC, source.getAddress()));
        if (bigTable) {
            writer.u32Attribute(RTA_TABLE, route.table()); // rtm_table has 8 bits
        }
        if (route.outputInterface() != 0) {
            writer.u32Attribute(RTA_OIF, route.outputInterface());
        }
        if (route.metric() != 0) {
            writer.u32Attribute(RTA_PRIORITY, (int) route.metric());
        }
        return writer.finish();
    }

    /** The scope ip chooses when none is given: link for an IPv4 unicast route without gateway, else universe. */
    private static int scopeToAdd(Route route) {
        boolean onLink = route.type() == RouteType.UNICAST && route.gateway().isEmpty();
        return route.destination().isIpv4() && onLink ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    }

    private static int rtnType(RouteType type) {
        return switch (type) {
            case UNICAST -> RTN_UNICAST;
            case BLACKHOLE -> RTN_BLACKHOLE;
            case UNREACHABLE -> RTN_UNREACHABLE;
        };
    }

    // ---- replies

    /** Splits a received datagram into its messages. */
    static List<Message> parse(ByteBuffer datagram) throws MalformedException {
        ByteBuffer bytes = datagram.slice().order(ByteOrder.nativeOrder());
        int end = bytes.limit();
        List<Message> messages = new ArrayList<>();
        int offset = 0;
        while (offset < end) {
            int remaining = end - offset;
            if (remaining < HEADER_SIZE) {
                throw new MalformedException(
                        remaining + " bytes at offset " + offset + " are too few for a message header");
            }
            int length = bytes.getInt(offset);
            if (length < HEADER_SIZE || length > remaining) {
                throw new MalformedException("the message at offset " + offset + " claims "
                        + Integer.toUnsignedString(length) + " bytes, but " + remaining + " remain");
            }
            messages.add(new Message(
                    u16(bytes, offset + 4),
                    u16(bytes, offset + 6),
                    bytes.getInt(offset + 8),
                    slice(bytes, offset + HEADER_SIZE, length - HEADER_SIZE)));
            offset += Math.min(align(length), remaining);
        }
        return messages;
    }

    /** Decodes an NLMSG_ERROR (an ack when its errno is 0). */
    static Ack ack(Message message) throws MalformedException {
        ByteBuffer payload = message.payload();
        requireSize(payload, 4, "an error message");
        int error = payload.getInt(0);
        if (error > 0 || error < -4095) {
            throw new MalformedException("error code " + error + " is not a negative errno");
        }
        Optional<String> text = Optional.empty();
        if ((message.flags() & NLM_F_ACK_TLVS) != 0) {
            requireSize(payload, 4 + HEADER_SIZE, "an extended ack");
            long echoed = (message.flags() & NLM_F_CAPPED) != 0
                    ? HEADER_SIZE
                    : align(Integer.toUnsignedLong(payload.getInt(4)));
            if (4 + echoed > payload.limit()) {
                throw new MalformedException("the echoed request (" + echoed + " bytes) overruns the error message");
            }
            ByteBuffer tlvs = slice(payload, (int) (4 + echoed), payload.limit() - (int) (4 + echoed));
            text = Optional.ofNullable(attributes(tlvs, 0).get(NLMSGERR_ATTR_MSG))
                    .map(NetlinkMessages::string);
        }
        return new Ack(-error, text);
    }

    /** The errno an NLMSG_DONE carries: 0, or the error that cut the dump short. */
    static int doneErrno(Message message) throws MalformedException {
        ByteBuffer payload = message.payload();
        if (payload.limit() < 4) {
            return 0; // kernels have always sent the int, but it is not required
        }
        int error = payload.getInt(0);
        if (error > 0 || error < -4095) {
            throw new MalformedException("NLMSG_DONE carries " + error + ", not 0 or a negative errno");
        }
        return -error;
    }

    /** Decodes an RTM_NEWLINK. */
    static Link link(Message message) throws MalformedException {
        requireType(message, RTM_NEWLINK);
        ByteBuffer payload = message.payload();
        requireSize(payload, IFINFOMSG_SIZE, "an ifinfomsg");
        int index = payload.getInt(4);
        int flags = payload.getInt(8);
        Map<Integer, ByteBuffer> attributes = attributes(payload, IFINFOMSG_SIZE);
        ByteBuffer name = attributes.get(IFLA_IFNAME);
        if (name == null) {
            throw new MalformedException("link " + index + " has no IFLA_IFNAME");
        }
        ByteBuffer mtu = attributes.get(IFLA_MTU);
        String kind = "";
        ByteBuffer linkInfo = attributes.get(IFLA_LINKINFO);
        if (linkInfo != null) {
            ByteBuffer infoKind = attributes(linkInfo, 0).get(IFLA_INFO_KIND);
            kind = infoKind == null ? "" : string(infoKind);
        }
        return new Link(index, string(name), mtu == null ? 0 : u32(mtu, "IFLA_MTU"), kind, (flags & IFF_UP) != 0);
    }

    /**
     * Decodes an RTM_NEWROUTE. Empty for a route type {@link RouteType} does not model (local, broadcast,
     * multicast, prohibit, throw, ...). Gateways of multipath routes (RTA_MULTIPATH) are not decoded.
     */
    static Optional<Route> route(Message message) throws MalformedException {
        requireType(message, RTM_NEWROUTE);
        ByteBuffer payload = message.payload();
        requireSize(payload, RTMSG_SIZE, "an rtmsg");
        int family = u8(payload, 0);
        if (family != AF_INET && family != AF_INET6) {
            throw new MalformedException("route of address family " + family);
        }
        RouteType type = switch (u8(payload, 7)) {
            case RTN_UNICAST -> RouteType.UNICAST;
            case RTN_BLACKHOLE -> RouteType.BLACKHOLE;
            case RTN_UNREACHABLE -> RouteType.UNREACHABLE;
            default -> null;
        };
        if (type == null) {
            return Optional.empty();
        }
        int prefixLength = u8(payload, 1);
        Map<Integer, ByteBuffer> attributes = attributes(payload, RTMSG_SIZE);
        ByteBuffer destination = attributes.get(RTA_DST);
        InetAddress destinationAddress = destination == null
                ? address(family, ByteBuffer.allocate(family == AF_INET ? 4 : 16), "RTA_DST")
                : address(family, destination, "RTA_DST");
        ByteBuffer table = attributes.get(RTA_TABLE);
        ByteBuffer outputInterface = attributes.get(RTA_OIF);
        ByteBuffer priority = attributes.get(RTA_PRIORITY);
        try {
            return Optional.of(new Route(
                    new IpNetwork(destinationAddress, prefixLength),
                    optionalAddress(family, attributes.get(RTA_GATEWAY), "RTA_GATEWAY"),
                    outputInterface == null ? 0 : u32(outputInterface, "RTA_OIF"),
                    optionalAddress(family, attributes.get(RTA_PREFSRC), "RTA_PREFSRC"),
                    type,
                    u8(payload, 5),
                    table == null ? u8(payload, 4) : u32(table, "RTA_TABLE"),
                    priority == null ? 0 : Integer.toUnsignedLong(u32(priority, "RTA_PRIORITY"))));
        } catch (IllegalArgumentException e) {
            throw new MalformedException("route does not make sense: " + e.getMessage());
        }
    }

    // ---- helpers

    /** The attributes from {@code offset} to the end of {@code bytes}, by type (the last of a repeated type wins). */
    private static Map<Integer, ByteBuffer> attributes(ByteBuffer bytes, int offset) throws MalformedException {
        Map<Integer, ByteBuffer> attributes = new HashMap<>();
        int end = bytes.limit();
        int position = offset;
        while (position < end) {
            int remaining = end - position;
            if (remaining < 4) {
                throw new MalformedException(
                        remaining + " bytes at offset " + position + " are too few for an attribute header");
            }
            int length = u16(bytes, position);
            if (length < 4 || length > remaining) {
                throw new MalformedException("the attribute at offset " + position + " claims " + length
                        + " bytes, but " + remaining + " remain");
            }
            attributes.put(u16(bytes, position + 2) & NLA_TYPE_MASK, slice(bytes, position + 4, length - 4));
            position += Math.min(align(length), remaining);
        }
        return attributes;
    }

    private static Optional<InetAddress> optionalAddress(int family, ByteBuffer value, String what)
            throws MalformedException {
        return value == null ? Optional.empty() : Optional.of(address(family, value, what));
    }

    private static InetAddress address(int family, ByteBuffer value, String what) throws MalformedException {
        int expected = family == AF_INET ? 4 : 16;
        if (value.limit() != expected) {
            throw new MalformedException(
                    what + " has " + value.limit() + " bytes, an address of family " + family + " has " + expected);
        }
        byte[] bytes = new byte[expected];
        value.get(0, bytes);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
        }
    }

    private static int u32(ByteBuffer value, String what) throws MalformedException {
        if (value.limit() != 4) {
            throw new MalformedException(what + " has " + value.limit() + " bytes, not 4");
        }
        return value.getInt(0);
    }

    /** A NUL-terminated string attribute (also accepted without the NUL). */
    private static String string(ByteBuffer value) {
        byte[] bytes = new byte[value.limit()];
        value.get(0, bytes);
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static void requireType(Message message, int type) throws MalformedException {
        if (message.type() != type) {
            throw new MalformedException("expected message type " + type + ", got " + message.type());
        }
    }

    private static void requireSize(ByteBuffer payload, int size, String what) throws MalformedException {
        if (payload.limit() < size) {
            throw new MalformedException(payload.limit() + " bytes are too few for " + what + " (" + size + ")");
        }
    }

    private static ByteBuffer slice(ByteBuffer bytes, int offset, int length) {
        return bytes.slice(offset, length).order(ByteOrder.nativeOrder());
    }

    private static int u8(ByteBuffer bytes, int offset) {
        return Byte.toUnsignedInt(bytes.get(offset));
    }

    private static int u16(ByteBuffer bytes, int offset) {
        return Short.toUnsignedInt(bytes.getShort(offset));
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }

    private static long align(long length) {
        return (length + 3) & ~3L;
    }

    /** Builds one request: header, fixed part, attributes, each padded to 4 bytes as NLMSG_ALIGN and NLA_ALIGN do. */
    private static final class Writer {
        private final ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST).order(ByteOrder.nativeOrder());

        Writer(int type, int flags, int sequence) {
            buffer.putInt(0)
                    .putShort((short) type)
                    .putShort((short) flags)
                    .putInt(sequence)
                    .putInt(0);
        }

        Writer u8(int value) {
            buffer.put((byte) value);
            return this;
        }

        Writer u32(int value) {
            buffer.putInt(value);
            return this;
        }

        Writer ifinfomsg(int index, int flags, int change) {
            buffer.put((byte) 0)
                    .put((byte) 0)
                    .putShort((short) 0)
                    .putInt(index)
                    .putInt(flags)
                    .putInt(change);
            return this;
        }

        Writer rtmsg(int family, int destinationLength, int table, int protocol, int scope, int type, int flags) {
            buffer.put((byte) family)
                    .put((byte) destinationLength)
                    .put((byte) 0)
                    .put((byte) 0)
                    .put((byte) table)
                    .put((byte) protocol)
                    .put((byte) scope)
                    .put((byte) type)
                    .putInt(flags);
            return this;
        }

        Writer attribute(int type, byte[] value) {
            buffer.putShort((short) (4 + value.length)).putShort((short) type).put(value);
            buffer.position(align(buffer.position()));
            return this;
        }

        Writer u32Attribute(int type, int value) {
            return attribute(
                    type,
                    ByteBuffer.allocate(4)
                            .order(ByteOrder.nativeOrder())
                            .putInt(value)
                            .array());
        }

        Writer stringAttribute(int type, String value) {
            byte[] text = value.getBytes(StandardCharsets.UTF_8);
            return attribute(type, Arrays.copyOf(text, text.length + 1));
        }

        byte[] finish() {
            buffer.putInt(0, buffer.position());
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }
}
