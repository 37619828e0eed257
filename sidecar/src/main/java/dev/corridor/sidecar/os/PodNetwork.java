package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tunnel's footprint in the pod's network namespace: the tun device, its addresses and every route
 * Corridor installs. All routes carry {@link Route#PROTOCOL_CORRIDOR}, so a run that crashed can be cleaned
 * up by the next one (the namespace outlives the container).
 *
 * <p>Fail closed: under each route into the tunnel lies an unreachable route to the same network with a worse metric
 * ({@link Route#failClosed}). While the tun device exists its routes win; when the device goes (the process crashed or
 * was killed) the kernel removes its routes with it, and the unreachable ones stop anything meant for the tunnel from
 * leaving on the pod's own path in clear, until the next run takes over.
 */
public final class PodNetwork implements AutoCloseable {
    private static final Logger LOG = System.getLogger(PodNetwork.class.getName());

    private final Netlink netlink;
    private final TunDevice tun;
    private final List<Route> installed;
    /** The pod's own path out, from before the tunnel: for networks that must go around it. */
    private final Route podPath;

    private List<AssignedAddress> addresses;
    private volatile List<IpNetwork> through;
    private volatile List<IpNetwork> around;

    private PodNetwork(
            Netlink netlink,
            TunDevice tun,
            List<Route> installed,
            Route podPath,
            List<AssignedAddress> addresses,
            List<IpNetwork> through,
            List<IpNetwork> around) {
        this.netlink = netlink;
        this.tun = tun;
        this.installed = installed;
        this.podPath = podPath;
        this.addresses = List.copyOf(addresses);
        this.through = List.copyOf(through);
        this.around = List.copyOf(around);
    }

    /**
     * Clears what a previous run may have left: a tun device of this name, and every route tagged as Corridor's unless
     * {@code keepRoutes}. Kept routes (a fail-closed run's unreachable routes and its paths around the tunnel) stay
     * in force until {@link #setUp} replaces them, so that the pod's corporate traffic stays blocked meanwhile.
     *
     * @return the routes kept, for {@link #setUp} to take over
     * @throws OsException when the name belongs to a device that is not a tun (it is not ours to delete)
     */
    public static List<Route> clearLeftovers(String interfaceName, boolean keepRoutes) throws OsException {
        try (Netlink netlink = Netlink.open()) {
            Optional<Link> leftover = netlink.link(interfaceName);
            if (leftover.isPresent()) {
                if (!leftover.get().kind().equals("tun")) {
                    throw new OsException("interface " + interfaceName + " already exists and is a "
                            + (leftover.get().kind().isEmpty()
                                    ? "device of another kind"
                                    : leftover.get().kind() + " device")
                            + ", not a tun device; choose another name with --interface");
                }
                LOG.log(Level.INFO, "removing tun device {0} left by an earlier run", interfaceName);
                netlink.deleteLink(leftover.get().index());
            }
            List<Route> kept = new ArrayList<>();
            for (Route route : corridorRoutes(netlink)) {
                if (keepRoutes) {
                    kept.add(route);
                } else {
                    LOG.log(Level.INFO, "removing route {0} left by an earlier run", route.destination());
                    netlink.deleteRoute(route);
                }
            }
            if (!kept.isEmpty()) {
                LOG.log(
                        Level.INFO,
                        "keeping {0} routes of an earlier run until the tunnel takes them over",
                        String.valueOf(kept.size()));
            }
            return kept;
        }
    }

    /**
     * Creates the tun device and lets it go again: run before any login, so that a container without NET_ADMIN or
     * /dev/net/tun fails at once, instead of opening (and abandoning) a gateway session every time it restarts.
     */
    public static void checkTunDevice(String interfaceName) throws OsException {
        TunDevice.create(interfaceName).close();
    }

    /** The MTU of the interface the pod uses to reach {@code destination}. */
    public static int linkMtuTowards(InetAddress destination) throws OsException {
        try (Netlink netlink = Netlink.open()) {
            Route route = netlink.lookup(destination);
            return netlink.link(route.outputInterface())
                    .orElseThrow(() -> new OsException("the route to " + destination.getHostAddress()
                            + " uses interface " + route.outputInterface() + ", which does not exist"))
                    .mtu();
        }
    }

    /**
     * Creates the tun device and installs the routes: a host route to the gateway and the routes around the
     * tunnel on the pod's original path, then the routes through the tunnel and the unreachable routes beneath them.
     * Routes of an earlier run ({@code leftovers}) that the new ones repeat are taken over, the others removed. On
     * failure nothing of this run stays behind.
     */
    public static PodNetwork setUp(
            TunnelInterface spec, TunnelRoutes routes, InetAddress gateway, List<Route> leftovers) throws OsException {
        Netlink netlink = Netlink.open();
        TunDevice tun = null;
        List<Route> installed = new ArrayList<>();
        try {
            // Paths around the tunnel are looked up before the tunnel's own routes could capture them.
            Route podPath = originalPath(netlink, IpNetwork.host(gateway));
            if (podPath.type() != RouteType.UNICAST) {
                throw new OsException(
                        "the route to the gateway " + gateway.getHostAddress() + " is a " + podPath.type() + " route");
            }
            List<Route> aroundRoutes = new ArrayList<>();
            aroundRoutes.add(podPath);
            for (IpNetwork network : routes.aroundTunnel()) {
                pathAround(netlink, network, podPath, 0).ifPresent(aroundRoutes::add);
            }

            tun = TunDevice.create(spec.name());
            LOG.log(
                    Level.DEBUG,
                    tun.offloads()
                            ? "{0}: the kernel hands over TCP segments of up to 64 KB with their checksums open"
                            : "{0}: the kernel refused the offloads; packets come one by one, complete",
                    tun);
            for (AssignedAddress address : hostAddresses(spec)) {
                netlink.addAddress(tun.index(), address);
            }
            netlink.setLink(tun.index(), spec.mtu(), true);

            for (Route route : aroundRoutes) {
                install(netlink, route, installed, leftovers, true);
            }
            for (IpNetwork network : routes.throughTunnel()) {
                install(netlink, intoTunnel(network, tun.index(), spec), installed, leftovers, false);
                install(netlink, Route.failClosed(network), installed, leftovers, false);
            }
            removeStale(netlink, leftovers, installed);
            return new PodNetwork(
                    netlink,
                    tun,
                    installed,
                    aroundRoutes.getFirst(),
                    hostAddresses(spec),
                    routes.throughTunnel(),
                    routes.aroundTunnel());
        } catch (OsException | RuntimeException e) {
            removeAll(
                    netlink,
                    installed.stream()
                            .filter(route -> leftovers.stream().noneMatch(route::sameAs))
                            .toList());
            if (tun != null) {
                tun.close();
            }
            netlink.close();
            throw e;
        }
    }

    /**
     * Moves the device and routes to a new session's settings, leaving nothing of the old ones: the new address is
     * added before the old one goes, and each route is replaced in one step, so the networks the tunnel carries never
     * fall back to the pod's own path meanwhile (a route that keeps its destination is never absent).
     */
    public void reconfigure(TunnelInterface spec, TunnelRoutes routes, InetAddress gateway) throws OsException {
        List<AssignedAddress> fresh = hostAddresses(spec);
        for (AssignedAddress address : fresh) {
            if (!addresses.contains(address)) {
                netlink.addAddress(tun.index(), address);
            }
        }
        netlink.setLink(tun.index(), spec.mtu(), true);

        List<Route> wanted = new ArrayList<>();
        List<Route> aroundRoutes = new ArrayList<>();
        pathAround(netlink, IpNetwork.host(gateway), podPath, tun.index()).ifPresent(aroundRoutes::add);
        for (IpNetwork network : routes.aroundTunnel()) {
            pathAround(netlink, network, podPath, tun.index()).ifPresent(aroundRoutes::add);
        }
        for (Route route : aroundRoutes) {
            if (installed.contains(route)) {
                wanted.add(route);
            } else {
                install(
                        netlink, route, wanted, List.of(),
                        true); // as in setUp: a route the pod already has stays the pod's
            }
        }
        for (IpNetwork network : routes.throughTunnel()) {
            Route route = intoTunnel(network, tun.index(), spec);
            if (!installed.contains(route)) {
                netlink.replaceRoute(route);
            }
            wanted.add(route);
            Route closed = Route.failClosed(network);
            if (!installed.contains(closed)) {
                netlink.replaceRoute(closed);
            }
            wanted.add(closed);
        }
        List<Route> stale = installed.stream()
                .filter(old -> wanted.stream().noneMatch(old::sameAs))
                .toList();
        removeAll(netlink, stale);
        installed.clear();
        installed.addAll(wanted);
        for (AssignedAddress address : addresses) {
            if (!fresh.contains(address)) {
                netlink.deleteAddress(tun.index(), address);
            }
        }
        addresses = fresh;
        through = List.copyOf(routes.throughTunnel());
        around = List.copyOf(routes.aroundTunnel());
    }

    private static Route intoTunnel(IpNetwork network, int tunIndex, TunnelInterface spec) {
        Optional<AssignedAddress> source = network.isIpv4() ? spec.ipv4() : spec.ipv6();
        return source.isPresent()
                ? Route.viaInterface(network, tunIndex, source.get().address())
                : Route.viaInterface(network, tunIndex);
    }

    /**
     * The pod's own path to a network: looked up, unless what answers is the tunnel's route or one of the unreachable
     * routes beneath it (an earlier run's, say); then the pod's path towards the gateway. Empty when the pod has no
     * path of that address family at all: nothing can leave around the tunnel there.
     */
    private static Optional<Route> pathAround(Netlink netlink, IpNetwork destination, Route podPath, int tunIndex)
            throws OsException {
        Route lookedUp;
        try {
            lookedUp = originalPath(netlink, destination);
        } catch (OsException e) {
            if (e.errno() != Libc.EHOSTUNREACH && e.errno() != Libc.ENETUNREACH) {
                throw e;
            }
            lookedUp = null; // an unreachable route answered
        }
        if (lookedUp != null
                && lookedUp.type() == RouteType.UNICAST
                && (tunIndex == 0 || lookedUp.outputInterface() != tunIndex)) {
            return Optional.of(lookedUp);
        }
        if (podPath.destination().isIpv4() != destination.isIpv4()) {
            return Optional.empty();
        }
        return Optional.of(
                podPath.gateway().isPresent()
                        ? Route.viaGateway(destination, podPath.gateway().get(), podPath.outputInterface())
                        : Route.viaInterface(destination, podPath.outputInterface()));
    }

    public TunDevice tun() {
        return tun;
    }

    public List<IpNetwork> routesThroughTunnel() {
        return through;
    }

    public List<IpNetwork> routesAroundTunnel() {
        return around;
    }

    /** Removes the routes and the tun device. */
    @Override
    public void close() {
        removeAll(netlink, installed);
        installed.clear();
        tun.close();
        netlink.close();
    }

    /**
     * Removes the tun device only (the kernel takes the routes into the tunnel with it): the unreachable routes and the
     * paths around the tunnel stay for the next run to take over, and keep the pod's corporate traffic in meanwhile.
     */
    public void closeFailClosed() {
        installed.clear();
        tun.close();
        netlink.close();
    }

    private static Route originalPath(Netlink netlink, IpNetwork destination) throws OsException {
        Route path = netlink.lookup(destination.address());
        if (path.type() != RouteType.UNICAST) {
            return path;
        }
        return path.gateway().isPresent()
                ? Route.viaGateway(destination, path.gateway().get(), path.outputInterface())
                : Route.viaInterface(destination, path.outputInterface());
    }

    /**
     * Adds a route. An identical one may exist already: an earlier run's (in {@code leftovers}), which this run takes
     * over, or, for a route around the tunnel, the pod's own (its subnet, say), which stays the pod's.
     */
    private static void install(
            Netlink netlink, Route route, List<Route> installed, List<Route> leftovers, boolean aroundTunnel)
            throws OsException {
        try {
            netlink.addRoute(route);
            installed.add(route);
        } catch (OsException e) {
            if (e.errno() != Libc.EEXIST) {
                throw e;
            }
            if (leftovers.stream().anyMatch(route::sameAs)) {
                installed.add(route);
            } else if (aroundTunnel) {
                LOG.log(Level.DEBUG, "route {0} already exists; left as it is", route.destination());
            } else {
                throw e;
            }
        }
    }

    /** Removes the routes an earlier run left that this run did not take over. */
    private static void removeStale(Netlink netlink, List<Route> leftovers, List<Route> installed) throws OsException {
        List<Route> stale = leftovers.stream()
                .filter(old -> installed.stream().noneMatch(old::sameAs))
                .toList();
        for (Route route : stale) {
            LOG.log(Level.INFO, "removing route {0} left by an earlier run", route.destination());
        }
        removeAll(netlink, stale);
    }

    /** Every route Corridor installed in the main table, of both families. */
    private static List<Route> corridorRoutes(Netlink netlink) throws OsException {
        List<Route> routes = new ArrayList<>();
        for (int family : new int[] {Netlink.AF_INET, Netlink.AF_INET6}) {
            for (Route route : netlink.routes(family)) {
                if (route.protocol() == Route.PROTOCOL_CORRIDOR) {
                    routes.add(route);
                }
            }
        }
        return routes;
    }

    private static void removeAll(Netlink netlink, List<Route> routes) {
        for (int i = routes.size() - 1; i >= 0; i--) {
            try {
                netlink.deleteRoute(routes.get(i));
            } catch (OsException e) {
                // Routes through the tunnel vanish with the device; anything else is worth a word.
                LOG.log(Level.DEBUG, "removing route {0}: {1}", routes.get(i).destination(), e.getMessage());
            }
        }
    }

    /** The session's addresses as host addresses: the pool's network gets an explicit, tagged route like every other. */
    private static List<AssignedAddress> hostAddresses(TunnelInterface spec) {
        List<AssignedAddress> addresses = new ArrayList<>();
        spec.ipv4().ifPresent(addresses::add);
        spec.ipv6().ifPresent(addresses::add);
        return addresses.stream()
                .map(a -> new AssignedAddress(a.address(), a.address().getAddress().length * 8))
                .toList();
    }
}
