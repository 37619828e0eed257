package dev.corridor.sidecar.session;

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
 * Decides which routes a session gets, from what the gateway sent and what the configuration allows.
 * No I/O: the result is handed to the OS layer.
 */
public final class RoutePlanner {
    /** The two halves of each address space: together they cover it without replacing the pod's own default route. */
    static final List<IpNetwork> IPV4_HALVES = List.of(IpNetwork.parse("0.0.0.0/1"), IpNetwork.parse("128.0.0.0/1"));
    static final List<IpNetwork> IPV6_HALVES = List.of(IpNetwork.parse("::/1"), IpNetwork.parse("8000::/1"));

    private RoutePlanner() {
    }

    /**
     * @param allowDefaultRoute whether the tunnel may take all traffic when the gateway asks for it (no split-include)
     */
    public static TunnelRoutes plan(SessionConfig session, boolean allowDefaultRoute) throws TunnelFailure {
        Set<IpNetwork> through = new LinkedHashSet<>();
        for (IpNetwork include : session.splitIncludes()) {
            if (hasFamily(session, include)) {
                through.add(include);
            }
        }
        if (through.isEmpty()) {
            if (!allowDefaultRoute) {
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

        List<IpNetwork> around = new ArrayList<>();
        for (IpNetwork exclude : session.splitExcludes()) {
            if (hasFamily(session, exclude) && !exclude.isDefault()) {
                around.add(exclude);
            }
        }
        return new TunnelRoutes(List.copyOf(through), around);
    }

    private static void addPool(Set<IpNetwork> through, Optional<AssignedAddress> address) {
        address.filter(a -> a.prefixLength() < a.address().getAddress().length * 8)
                .ifPresent(a -> through.add(a.network()));
    }

    private static boolean hasFamily(SessionConfig session, IpNetwork network) {
        return network.isIpv4() ? session.ipv4().isPresent() : session.ipv6().isPresent();
    }
}
