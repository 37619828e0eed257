package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.IpNetwork;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A route in a kernel routing table. The scope is not part of it: it is derived when the route is sent, as
 * {@code ip route} does (link scope for an IPv4 unicast route without gateway, universe otherwise).
 *
 * @param outputInterface the ifindex of the output interface (RTA_OIF), 0 for none
 * @param protocol        rtm_protocol: who installed the route; Corridor's own carry {@link #PROTOCOL_CORRIDOR}
 * @param table           the routing table id, {@link #TABLE_MAIN} for the main table
 * @param metric          RTA_PRIORITY, lower wins among routes to the same network; 0 for the kernel's default (0 for
 *                        IPv4, 1024 for IPv6)
 */
public record Route(
        IpNetwork destination,
        Optional<InetAddress> gateway,
        int outputInterface,
        Optional<InetAddress> preferredSource,
        RouteType type,
        int protocol,
        int table,
        long metric) {

    /** The rtm_protocol of every route Corridor installs, so a restarted sidecar can find and remove leftovers. */
    public static final int PROTOCOL_CORRIDOR = 151;
    /** RT_TABLE_MAIN. */
    public static final int TABLE_MAIN = 254;
    /**
     * The metric of the dropping routes under the tunnel's own: worse than any the kernel gives by default (IPv6 uses
     * 1024), so they decide only when the tun device, and with it the tunnel's routes, is gone.
     */
    public static final long FAIL_CLOSED_METRIC = 1_000_000;

    public Route {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(preferredSource, "preferredSource");
        Objects.requireNonNull(type, "type");
        gateway.ifPresent(address -> requireFamily(destination, address, "gateway"));
        preferredSource.ifPresent(address -> requireFamily(destination, address, "preferred source"));
        if (outputInterface < 0) {
            throw new IllegalArgumentException("output interface index " + outputInterface + " is negative");
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("route protocol " + protocol + " is not in 0..255");
        }
        if (table <= 0) {
            throw new IllegalArgumentException("routing table " + table + " is not a table id");
        }
        if (metric < 0 || metric > 0xffff_ffffL) {
            throw new IllegalArgumentException("route metric " + metric + " is not in 0..2^32-1");
        }
    }

    /** A Corridor route in the main table straight out an interface (e.g. into the tunnel). */
    public static Route viaInterface(IpNetwork destination, int outputInterface) {
        return new Route(
                destination,
                Optional.empty(),
                outputInterface,
                Optional.empty(),
                RouteType.UNICAST,
                PROTOCOL_CORRIDOR,
                TABLE_MAIN,
                0);
    }

    /** As {@link #viaInterface(IpNetwork, int)}, with the source address the kernel should pick for new connections. */
    public static Route viaInterface(IpNetwork destination, int outputInterface, InetAddress preferredSource) {
        return new Route(
                destination,
                Optional.empty(),
                outputInterface,
                Optional.of(preferredSource),
                RouteType.UNICAST,
                PROTOCOL_CORRIDOR,
                TABLE_MAIN,
                0);
    }

    /** A Corridor route in the main table through a gateway; {@code outputInterface} 0 lets the kernel choose. */
    public static Route viaGateway(IpNetwork destination, InetAddress gateway, int outputInterface) {
        return new Route(
                destination,
                Optional.of(gateway),
                outputInterface,
                Optional.empty(),
                RouteType.UNICAST,
                PROTOCOL_CORRIDOR,
                TABLE_MAIN,
                0);
    }

    /** A Corridor route in the main table that drops packets (or rejects them, for {@link RouteType#UNREACHABLE}). */
    public static Route dropping(IpNetwork destination, RouteType type, long metric) {
        if (type == RouteType.UNICAST) {
            throw new IllegalArgumentException("a dropping route is BLACKHOLE or UNREACHABLE, not UNICAST");
        }
        return new Route(
                destination, Optional.empty(), 0, Optional.empty(), type, PROTOCOL_CORRIDOR, TABLE_MAIN, metric);
    }

    /**
     * The route that keeps a network of the tunnel's closed whenever the tunnel's own route is gone: unreachable, so
     * that applications fail at once ("no route to host") instead of waiting on a silent drop.
     */
    public static Route failClosed(IpNetwork destination) {
        return dropping(destination, RouteType.UNREACHABLE, FAIL_CLOSED_METRIC);
    }

    /** Whether this and {@code other} are the same kernel route as far as Corridor tells them apart: network and type. */
    public boolean sameAs(Route other) {
        return destination.equals(other.destination) && type == other.type;
    }

    private static void requireFamily(IpNetwork destination, InetAddress address, String what) {
        if ((address instanceof Inet4Address) != destination.isIpv4()) {
            throw new IllegalArgumentException(
                    "the " + what + " " + address.getHostAddress() + " is not of the same family as " + destination);
        }
    }
}
