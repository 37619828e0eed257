package dev.corridor.sidecar.session;

import dev.corridor.sidecar.config.RouteOptions;
import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.os.TunnelRoutes;
import dev.corridor.sidecar.protocol.tunnel.SessionConfig;
import java.util.ArrayList;
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

    private RoutePlanner() {
    }

    /** The routes, and the networks left out because they lie inside a never-route network. */
    public record Plan(TunnelRoutes routes, List<IpNetwork> refused) {
        public Plan {
            refused = List.copyOf(refused);
        }
    }

    public static Plan plan(SessionConfig session, RouteOptions options) throws TunnelFailure {
        Set<IpNetwork> through = new LinkedHashSet<>();
        List<IpNetwork> refused = new ArrayList<>();
        List<IpNetwork> wanted = new ArrayList<>(session.splitIncludes());
        wanted.addAll(options.include());
        for (IpNetwork include : wanted) {
            if (!hasFamily(session, include)) {
                continue;
            }
            if (options.never().stream().anyMatch(never -> never.overlaps(include) && never.prefixLength() <= include.prefixLength())) {
                refused.add(include); // it would capture cluster traffic: a never-route network covers it
            } else {
                through.add(include);
            }
        }
        if (through.isEmpty() && refused.isEmpty()) {
            if (!options.allowDefaultRoute()) {
                throw new TunnelFailure(TunnelFailure.Kind.CONFIGURATION, "the gateway sends no split-include routes, so it wants "
                        + "all traffic, but Corridor does not replace the pod's default route unless allowed "
                        + "(the pod would lose its cluster network): set --allow-default-route (allowDefaultRoute: true) to accept");
            }
            session.ipv4().ifPresent(a -> through.addAll(IPV4_HALVES));
            session.ipv6().ifPresent(a -> through.addAll(IPV6_HALVES));
        }
        // The gateway's own pool, so that other clients on it are reachable (as openconnect's vpnc-script does).
        addPool(through, session.ipv4());
        addPool(through, session.ipv6());

        Set<IpNetwork> around = new LinkedHashSet<>();
        List<IpNetwork> excluded = new ArrayList<>(session.splitExcludes());
        excluded.addAll(options.exclude());
        excluded.addAll(options.never());
        for (IpNetwork exclude : excluded) {
            if (hasFamily(session, exclude) && !exclude.isDefault()) {
                around.add(exclude);
            }
        }
        return new Plan(new TunnelRoutes(List.copyOf(through), List.copyOf(around)), refused);
    }

    private static void addPool(Set<IpNetwork> through, Optional<AssignedAddress> address) {
        address.filter(a -> a.prefixLength() < a.address().getAddress().length * 8)
                .ifPresent(a -> through.add(a.network()));
    }

    private static boolean hasFamily(SessionConfig session, IpNetwork network) {
        return network.isIpv4() ? session.ipv4().isPresent() : session.ipv6().isPresent();
    }
}
