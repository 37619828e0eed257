package dev.corridor.sidecar.config;

import dev.corridor.sidecar.net.IpNetwork;
import java.util.List;

/**
 * What the configuration adds to the gateway's routes.
 *
 * @param include           more networks to send through the tunnel
 * @param exclude           more networks to keep out of it
 * @param never             networks the tunnel must never capture (the cluster's pod, service and node CIDRs):
 *                          routed around it even inside a broader split-include, and no route inside them is taken
 * @param allowDefaultRoute whether the tunnel may take all traffic when the gateway sends no split-include route
 * @param dnsServers        the gateway's DNS servers go through the tunnel too (the DNS forwarder asks them)
 */
public record RouteOptions(
        List<IpNetwork> include,
        List<IpNetwork> exclude,
        List<IpNetwork> never,
        boolean allowDefaultRoute,
        boolean dnsServers) {
    public RouteOptions {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        never = List.copyOf(never);
    }

    public static RouteOptions none() {
        return new RouteOptions(List.of(), List.of(), List.of(), false, false);
    }
}
