package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.IpNetwork;
import dev.corridor.sidecar.session.TunnelStatus;
import java.net.InetAddress;
import java.util.List;

/**
 * Where egress connections may go: only into networks routed through the tunnel, decided as the kernel decides,
 * by the most specific route. A network routed around the tunnel inside a tunnel route (a split-exclude, a
 * cluster network) is refused: a connection there would leave by the pod's own interface.
 *
 * @param through networks routed through the tunnel, as installed
 * @param around  networks routed around it, as installed
 */
public record DestinationPolicy(List<IpNetwork> through, List<IpNetwork> around) {
    public DestinationPolicy {
        through = List.copyOf(through);
        around = List.copyOf(around);
    }

    public static DestinationPolicy of(TunnelStatus status) {
        return new DestinationPolicy(status.routes().through(), status.routes().around());
    }

    public boolean allows(InetAddress destination) {
        return longestPrefix(through, destination) > longestPrefix(around, destination);
    }

    private static int longestPrefix(List<IpNetwork> networks, InetAddress address) {
        int longest = -1;
        for (IpNetwork network : networks) {
            if (network.prefixLength() > longest && network.contains(address)) {
                longest = network.prefixLength();
            }
        }
        return longest;
    }
}
