package dev.corridor.sidecar.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The DNS forwarder's settings ({@code --dns-listen} and the rest).
 *
 * @param upstream         the cluster's resolvers; empty for the nameservers of resolv.conf at start
 * @param domains          corporate domains beyond the gateway's
 * @param allThroughTunnel every name outside the cluster's domain goes to the corporate servers
 * @param clusterDomain    the cluster's own domain, which always goes to the cluster's resolvers
 */
public record DnsConfig(
        InetSocketAddress listen,
        List<InetSocketAddress> upstream,
        List<String> domains,
        boolean allThroughTunnel,
        String clusterDomain) {
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    public DnsConfig {
        upstream = List.copyOf(upstream);
        domains = List.copyOf(domains);
    }

    /** The configured resolvers, or those of resolv.conf, without the forwarder itself (a pod's resolv.conf names it). */
    public List<InetSocketAddress> upstreamOr(List<InetSocketAddress> fromResolvConf) {
        return (upstream.isEmpty() ? fromResolvConf : upstream)
                .stream().filter(server -> !server.equals(listen)).toList();
    }

    static Optional<String> domainProblem(String domain) {
        return domain.matches("(?i)[a-z0-9_]([a-z0-9_-]{0,62}\\.?)*") && domain.length() <= 253
                ? Optional.empty()
                : Optional.of("'" + domain + "' is not a domain name");
    }
}
