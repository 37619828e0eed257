package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.IpNetwork;
import java.util.List;

/**
 * The routes a tunnel needs: networks to send through the tun device, and networks to keep on the path
 * the pod used before the tunnel existed.
 */
public record TunnelRoutes(List<IpNetwork> throughTunnel, List<IpNetwork> aroundTunnel) {
    public TunnelRoutes {
        throughTunnel = List.copyOf(throughTunnel);
        aroundTunnel = List.copyOf(aroundTunnel);
    }
}
