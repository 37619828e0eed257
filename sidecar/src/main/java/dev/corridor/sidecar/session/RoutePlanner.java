package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.RouteOptions;
import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.os.TunnelRoutes;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which routes a session gets, from what the gateway sent and what the configuration allows and adds.
 * No I/O: the result is handed to the OS layer.
 */
public final class RoutePlanner {
    /** The two halves of each address space: together they cover it without replacing the pod's own default route. */
    static final List<IpNetwork> IPV4_HALVES = List.of(IpNetwork.parse("0.0.0.0/1"), IpNetwork.parse("128.0.0.0/1"));

    static final List<IpNetwork> IPV6_HALVES = List.of(IpNetwork.parse("::/1"), IpNetwork.parse("8000::/1"));

    private RoutePlanner() {}

    /** The routes, and the networks left out: inside a never-route or cluster network, or a pool too wide to be one. */
    public record Plan(TunnelRoutes routes, List<IpNetwork> refused) {
        public Plan {
            refused = List.copyOf(refused);
        }
    }

    /**
     * @param clusterNetworks networks the pod needs that nobody configured (its nameservers, its node, its own links):
     *                        protected like never-route networks, and routed around the tunnel where a route into it
     *                        would cover them
     */
    public static Plan plan(SessionConfig session, RouteOptions options, List<IpNetwork> clusterNetworks)
            throws TunnelFailure {
        List<IpNetwork> protectedNetworks = new ArrayList<>(options.never());
        protectedNetworks.addAll(clusterNetworks);
        Set<IpNetwork> through = new LinkedHashSet<>();
        List<IpNetwork> refused = new ArrayList<>();
        List<IpNetwork> wanted = new ArrayList<>(session.splitIncludes());
        wanted.addAll(options.include());
        List<IpNetwork> defaults = new ArrayList<>();
        for (IpNetwork include : wanted) {
            if (!hasFamily(session, include)) {
                continue;
            }
            if (include.isDefault()) {
                defaults.add(include); // all traffic: taken as the two halves below, and only when allowed
            } else if (insideAny(include, protectedNetworks)) {
                refused.add(include); // it would capture cluster traffic: a protected network covers it
            } else {
                through.add(include);
            }
        }
        if (through.isEmpty() && refused.isEmpty() && defaults.isEmpty()) {
            requireAllTrafficAllowed(options, "the gateway sends no split-include routes, so it wants all traffic");
            session.ipv4().ifPresent(a -> through.addAll(IPV4_HALVES));
            session.ipv6().ifPresent(a -> through.addAll(IPV6_HALVES));
        }
        for (IpNetwork all : defaults) {
            requireAllTrafficAllowed(
                    options,
                    (session.splitIncludes().contains(all) ? "the gateway sends the split-include route " : "--route ")
                            + all + ", which is all traffic");
            through.addAll(all.isIpv4() ? IPV4_HALVES : IPV6_HALVES);
        }
        // The corporate DNS servers, which the forwarder asks through the tunnel: never around it.
        if (options.dnsServers()) {
            for (InetAddress server : session.dnsServers()) {
                IpNetwork host = IpNetwork.host(server);
                if (!hasFamily(session, host) || insideAny(host, through)) {
                    continue;
                }
                if (insideAny(host, protectedNetworks)) {
                    refused.add(host);
                } else {
                    through.add(host);
                }
            }
        }
        // The gateway's own pool, so that other clients on it are reachable (as openconnect's vpnc-script does).
        addPool(through, refused, session.ipv4(), protectedNetworks);
        addPool(through, refused, session.ipv6(), protectedNetworks);
        // Checked with the pool in: a pool of 128.0.0.0/1 and a split-include of 0.0.0.0/1 are all traffic too.
        for (boolean ipv4 : new boolean[] {true, false}) {
            List<IpNetwork> family =
                    through.stream().filter(network -> network.isIpv4() == ipv4).toList();
            if (coversEverything(family, ipv4 ? 32 : 128)) {
                requireAllTrafficAllowed(
                        options,
                        "the routes " + family + " (split-includes and address pool) together cover all traffic");
            }
        }

        Set<IpNetwork> around = new LinkedHashSet<>();
        List<IpNetwork> excluded = new ArrayList<>(session.splitExcludes());
        excluded.addAll(options.exclude());
        excluded.addAll(options.never());
        for (IpNetwork exclude : excluded) {
            if (hasFamily(session, exclude) && !exclude.isDefault()) {
                around.add(exclude);
            }
        }
        for (IpNetwork cluster : clusterNetworks) {
            if (through.stream().anyMatch(network -> network.overlaps(cluster))) {
                around.add(cluster);
            }
        }
        return new Plan(new TunnelRoutes(List.copyOf(through), List.copyOf(around)), refused);
    }

    private static void requireAllTrafficAllowed(RouteOptions options, String why) throws TunnelFailure {
        if (!options.allowDefaultRoute()) {
            throw new TunnelFailure(
                    TunnelFailure.Kind.CONFIGURATION,
                    why + ", but Corridor does not replace the pod's default route "
                            + "unless allowed (the pod would lose its cluster network): set --allow-default-route (allowDefaultRoute: true) to accept");
        }
    }

    /** Pools wider than this are refused: no gateway hands out addresses from a sixteen-millionth of the space or more. */
    static final int MIN_POOL_PREFIX = 8;

    /**
     * The pool's network, unless it is a host route, wider than a /8 (a pool of 128.0.0.0/1 would take half of all
     * traffic), or inside a protected network.
     */
    private static void addPool(
            Set<IpNetwork> through,
            List<IpNetwork> refused,
            Optional<AssignedAddress> address,
            List<IpNetwork> protectedNetworks) {
        Optional<IpNetwork> pool = address.filter(
                        a -> a.prefixLength() < a.address().getAddress().length * 8)
                .map(AssignedAddress::network);
        if (pool.isEmpty()) {
            return;
        }
        if (pool.get().prefixLength() < MIN_POOL_PREFIX || insideAny(pool.get(), protectedNetworks)) {
            refused.add(pool.get());
        } else {
            through.add(pool.get());
        }
    }

    /**
     * Whether the networks together span the whole address space (0.0.0.0/1 and 128.0.0.0/1, say): all traffic,
     * as much as a default route. Two CIDR networks either nest or do not overlap, so the outermost ones add up.
     */
    static boolean coversEverything(List<IpNetwork> networks, int bits) {
        BigInteger covered = networks.stream()
                .filter(network -> networks.stream()
                        .noneMatch(other -> other.prefixLength() < network.prefixLength() && other.overlaps(network)))
                .distinct()
                .map(network -> BigInteger.ONE.shiftLeft(bits - network.prefixLength()))
                .reduce(BigInteger.ZERO, BigInteger::add);
        return covered.equals(BigInteger.ONE.shiftLeft(bits));
    }

    private static boolean insideAny(IpNetwork network, Collection<IpNetwork> protectedNetworks) {
        return protectedNetworks.stream()
                .anyMatch(p -> p.overlaps(network) && p.prefixLength() <= network.prefixLength());
    }

    private static boolean hasFamily(SessionConfig session, IpNetwork network) {
        return network.isIpv4() ? session.ipv4().isPresent() : session.ipv6().isPresent();
    }
}
