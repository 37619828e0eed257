package dev.corridor.sidecar.dns;

import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which names go to the corporate DNS servers through the tunnel, and which to the cluster's resolver. The cluster's
 * own domain always goes to the cluster. Through the tunnel go names under the corporate domains (the gateway's
 * split-DNS domains, its default domain, and the configured ones), reverse lookups of the networks the tunnel carries,
 * and, with {@code allThroughTunnel}, every other name too. Everything else goes to the cluster: a corporate name is
 * never sent anywhere but the corporate servers. Pure: built once per session.
 */
public record DnsRoutes(
        List<String> corporateDomains, List<IpNetwork> tunnelNetworks, String clusterDomain, boolean allThroughTunnel) {

    /** Where a name goes. */
    public enum Route {
        /** To the corporate DNS servers, through the tunnel. */
        TUNNEL,
        /** To the cluster's resolver. */
        UPSTREAM;

        /** How metrics name it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DnsRoutes {
        corporateDomains = corporateDomains.stream()
                .map(DnsRoutes::normalize)
                .filter(d -> !d.isEmpty())
                .distinct()
                .toList();
        tunnelNetworks = List.copyOf(tunnelNetworks);
        clusterDomain = normalize(clusterDomain);
    }

    /** @param name a domain name, with or without the trailing dot, any case */
    public Route route(String name) {
        String normalized = normalize(name);
        if (!clusterDomain.isEmpty() && within(normalized, clusterDomain)) {
            return Route.UPSTREAM;
        }
        if (allThroughTunnel || corporateDomains.stream().anyMatch(domain -> within(normalized, domain))) {
            return Route.TUNNEL;
        }
        Optional<IpNetwork> reverse = reverseNetwork(normalized);
        if (reverse.isPresent() && tunnelNetworks.stream().anyMatch(network -> contains(network, reverse.get()))) {
            return Route.TUNNEL;
        }
        return Route.UPSTREAM;
    }

    /**
     * The addresses a reverse name stands for: {@code 20.10.in-addr.arpa} is 10.20.0.0/16, {@code 5.0.0.0.ip6.arpa}
     * the /16 of IPv6 addresses that start 0005. Empty for other names, and for malformed reverse names.
     */
    static Optional<IpNetwork> reverseNetwork(String name) {
        boolean ipv4 = name.endsWith(".in-addr.arpa") || name.equals("in-addr.arpa");
        boolean ipv6 = name.endsWith(".ip6.arpa") || name.equals("ip6.arpa");
        if (!ipv4 && !ipv6) {
            return Optional.empty();
        }
        String labels = name.substring(
                0, Math.max(0, name.length() - (ipv4 ? "in-addr.arpa".length() : "ip6.arpa".length()) - 1));
        List<String> parts = labels.isEmpty() ? List.of() : new ArrayList<>(List.of(labels.split("\\.")));
        java.util.Collections.reverse(parts);
        byte[] address = new byte[ipv4 ? 4 : 16];
        int bits = ipv4 ? 8 : 4;
        if (parts.size() * bits > address.length * 8) {
            return Optional.empty();
        }
        for (int i = 0; i < parts.size(); i++) {
            int value;
            try {
                value = Integer.parseInt(parts.get(i), ipv4 ? 10 : 16);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (value < 0
                    || value >= 1 << bits
                    || (ipv6 && parts.get(i).length() != 1)
                    || (ipv4 && !parts.get(i).matches("0|[1-9]\\d{0,2}"))) {
                return Optional.empty();
            }
            if (ipv4) {
                address[i] = (byte) value;
            } else {
                address[i / 2] |= (byte) (i % 2 == 0 ? value << 4 : value);
            }
        }
        try {
            return Optional.of(new IpNetwork(InetAddress.getByAddress(address), parts.size() * bits));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }

    /** Whether {@code inner} lies within {@code outer}. */
    private static boolean contains(IpNetwork outer, IpNetwork inner) {
        return outer.isIpv4() == inner.isIpv4()
                && outer.prefixLength() <= inner.prefixLength()
                && outer.overlaps(inner);
    }

    private static boolean within(String name, String domain) {
        return name.equals(domain) || name.endsWith("." + domain);
    }

    static String normalize(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
