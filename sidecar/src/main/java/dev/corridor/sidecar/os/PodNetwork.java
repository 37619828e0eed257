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

    private PodNetwork(Netlink netlink, TunDevice tun, List<Route> installed, Route podPath, List<AssignedAddress> addresses,
                       List<IpNetwork> through, List<IpNetwork> around) {
        this.netlink = netlink;
        this.tun = tun;
        this.installed = installed;
        this.podPath = podPath;
        this.addresses = List.copyOf(addresses);
        this.through = List.copyOf(through);
        this.around = List.copyOf(around);
    }

    /**
     * Removes what a previous run may have left: a tun device of this name and every route tagged as Corridor's.
     *
     * @throws OsException when the name belongs to a device that is not a tun (it is not ours to delete)
     */
    public static void removeLeftovers(String interfaceName) throws OsException {
        try (Netlink netlink = Netlink.open()) {
            Optional<Link> leftover = netlink.link(interfaceName);
            if (leftover.isPresent()) {
                if (!leftover.get().kind().equals("tun")) {
                    throw new OsException("interface " + interfaceName + " already exists and is a "
                            + (leftover.get().kind().isEmpty() ? "device of another kind" : leftover.get().kind() + " device")
                            + ", not a tun device; choose another name with --interface");
                }
                LOG.log(Level.INFO, "removing tun device {0} left by an earlier run", interfaceName);
                netlink.deleteLink(leftover.get().index());
            }
            for (int family : new int[] {Netlink.AF_INET, Netlink.AF_INET6}) {
                for (Route route : netlink.routes(family)) {
                    if (route.protocol() == Route.PROTOCOL_CORRIDOR) {
                        LOG.log(Level.INFO, "removing route {0} left by an earlier run", route.destination());
                        netlink.deleteRoute(route);
                    }
                }
            }
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
                    .orElseThrow(() -> new OsException("the route to " + destination.getHostAddress() + " uses interface "
                            + route.outputInterface() + ", which does not exist"))
                    .mtu();
        }
    }

    /**
     * Creates the tun device and installs the routes: a host route to the gateway and the routes around the
     * tunnel on the pod's original path, then the routes through the tunnel. On failure nothing stays behind.
     */
    public static PodNetwork setUp(TunnelInterface spec, TunnelRoutes routes, InetAddress gateway) throws OsException {
        Netlink netlink = Netlink.open();
        TunDevice tun = null;
        List<Route> installed = new ArrayList<>();
        try {
            // Paths around the tunnel are looked up before the tunnel's own routes could capture them.
            List<Route> aroundRoutes = new ArrayList<>();
            aroundRoutes.add(originalPath(netlink, new IpNetwork(gateway, gateway.getAddress().length * 8)));
            List<IpNetwork> around = new ArrayList<>();
            for (IpNetwork network : routes.aroundTunnel()) {
                aroundRoutes.add(originalPath(netlink, network));
                around.add(network);
            }

            tun = TunDevice.create(spec.name());
            for (AssignedAddress address : hostAddresses(spec)) {
                netlink.addAddress(tun.index(), address);
            }
            netlink.setLink(tun.index(), spec.mtu(), true);

            for (Route route : aroundRoutes) {
                install(netlink, route, installed, true);
            }
            for (IpNetwork network : routes.throughTunnel()) {
                Optional<AssignedAddress> source = network.isIpv4() ? spec.ipv4() : spec.ipv6();
                Route route = source.isPresent()
                        ? Route.viaInterface(network, tun.index(), source.get().address())
                        : Route.viaInterface(network, tun.index());
                install(netlink, route, installed, false);
            }
            return new PodNetwork(netlink, tun, installed, aroundRoutes.getFirst(), hostAddresses(spec), routes.throughTunnel(), around);
        } catch (OsException | RuntimeException e) {
            removeAll(netlink, installed);
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
        aroundRoutes.add(aroundTunnel(new IpNetwork(gateway, gateway.getAddress().length * 8)));
        for (IpNetwork network : routes.aroundTunnel()) {
            aroundRoutes.add(aroundTunnel(network));
        }
        for (Route route : aroundRoutes) {
            if (installed.contains(route)) {
                wanted.add(route);
            } else {
                install(netlink, route, wanted, true); // as in setUp: a route the pod already has stays the pod's
            }
        }
        for (IpNetwork network : routes.throughTunnel()) {
            Optional<AssignedAddress> source = network.isIpv4() ? spec.ipv4() : spec.ipv6();
            Route route = source.isPresent() ? Route.viaInterface(network, tun.index(), source.get().address())
                    : Route.viaInterface(network, tun.index());
            if (!installed.contains(route)) {
                netlink.replaceRoute(route);
            }
            wanted.add(route);
        }
        List<Route> stale = installed.stream()
                .filter(old -> wanted.stream().noneMatch(route -> route.destination().equals(old.destination()))).toList();
        removeAll(netlink, new ArrayList<>(stale));
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

    /** The pod's own path to a network: looked up, unless the tunnel's routes would answer, then the path from before. */
    private Route aroundTunnel(IpNetwork destination) throws OsException {
        Route lookedUp = originalPath(netlink, destination);
        if (lookedUp.outputInterface() != tun.index()) {
            return lookedUp;
        }
        return podPath.gateway().isPresent()
                ? Route.viaGateway(destination, podPath.gateway().get(), podPath.outputInterface())
                : Route.viaInterface(destination, podPath.outputInterface());
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
        tun.close();
        netlink.close();
    }

    private static Route originalPath(Netlink netlink, IpNetwork destination) throws OsException {
        Route path = netlink.lookup(destination.address());
        return path.gateway().isPresent()
                ? Route.viaGateway(destination, path.gateway().get(), path.outputInterface())
                : Route.viaInterface(destination, path.outputInterface());
    }

    private static void install(Netlink netlink, Route route, List<Route> installed, boolean aroundTunnel) throws OsException {
        try {
            netlink.addRoute(route);
            installed.add(route);
        } catch (OsException e) {
            if (aroundTunnel && e.errno() == Libc.EEXIST) {
                // The pod already routes this network the same way (e.g. its own subnet): nothing to add.
                LOG.log(Level.DEBUG, "route {0} already exists; left as it is", route.destination());
                return;
            }
            throw e;
        }
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
        routes.clear();
    }

    /** The session's addresses as host addresses: the pool's network gets an explicit, tagged route like every other. */
    private static List<AssignedAddress> hostAddresses(TunnelInterface spec) {
        List<AssignedAddress> addresses = new ArrayList<>();
        spec.ipv4().ifPresent(addresses::add);
        spec.ipv6().ifPresent(addresses::add);
        return addresses.stream().map(a -> new AssignedAddress(a.address(), a.address().getAddress().length * 8)).toList();
    }
}
