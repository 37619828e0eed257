package dev.corridor.sidecar.os;

import dev.corridor.sidecar.net.Ip;
import dev.corridor.sidecar.net.IpNetwork;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The networks a pod needs from its own cluster, found where the pod keeps them, so that no gateway route can
 * capture them even when nobody listed them as never-route networks: its nameservers (a gateway route of
 * 10.96.0.10/32 would otherwise take kube-dns), its node's address (the kubelet and node-local agents), the networks
 * on its own links, and link-local addresses (cloud metadata, Calico's 169.254.1.1 router).
 */
public final class ClusterNetworks {
    private static final Logger LOG = System.getLogger(ClusterNetworks.class.getName());
    /** The environment variable the webhook fills from the downward API ({@code status.hostIP}). */
    public static final String NODE_IP_VARIABLE = "CORRIDOR_NODE_IP";

    static final List<IpNetwork> LINK_LOCAL = List.of(IpNetwork.parse("169.254.0.0/16"), IpNetwork.parse("fe80::/10"));
    /** The pod's resolver configuration, as kubelet writes it. */
    public static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    /** resolv.conf is a few lines; a bound keeps a strange mount from being read whole. */
    private static final int MAX_RESOLV_CONF = 64 * 1024;

    private ClusterNetworks() {}

    /** Everything the pod needs: read from {@code resolvConf}, the node address given, and the pod's links. */
    public static List<IpNetwork> discover(Path resolvConf, Optional<String> nodeAddress) throws OsException {
        Set<IpNetwork> networks = new LinkedHashSet<>(nameservers(resolvConf));
        nodeAddress.filter(text -> !text.isBlank()).ifPresent(text -> {
            try {
                networks.add(IpNetwork.host(Ip.parseAddress(text)));
            } catch (IllegalArgumentException e) {
                LOG.log(
                        Level.WARNING,
                        "{0} is not an IP address ({1}); the node is not protected from gateway routes",
                        NODE_IP_VARIABLE,
                        e.getMessage());
            }
        });
        networks.addAll(onLink());
        networks.addAll(LINK_LOCAL);
        return List.copyOf(networks);
    }

    /** The nameservers of a resolv.conf, as host networks; a file that is missing or unreadable has none. */
    static List<IpNetwork> nameservers(Path resolvConf) {
        return nameserverAddresses(resolvConf).stream().map(IpNetwork::host).toList();
    }

    /** The nameservers of a resolv.conf; a file that is missing or unreadable has none. */
    public static List<InetAddress> nameserverAddresses(Path resolvConf) {
        String text;
        try (var in = Files.newInputStream(resolvConf)) {
            text = new String(in.readNBytes(MAX_RESOLV_CONF), java.nio.charset.StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.log(
                    Level.WARNING,
                    "cannot read {0} ({1}); its nameservers are not protected from gateway routes",
                    resolvConf,
                    e.getMessage());
            return List.of();
        }
        List<InetAddress> servers = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                try {
                    // A link-local IPv6 server may carry a zone (fe80::1%eth0); the link-local networks cover it
                    // anyway.
                    servers.add(Ip.parseAddress(words[1].replaceFirst("%.*$", "")));
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.DEBUG, "ignoring nameserver line ''{0}'' of {1}", line.strip(), resolvConf);
                }
            }
        }
        return servers;
    }

    /** The networks directly on the pod's links: the routes without a gateway that the pod (not Corridor) has. */
    private static List<IpNetwork> onLink() throws OsException {
        List<IpNetwork> networks = new ArrayList<>();
        try (Netlink netlink = Netlink.open()) {
            for (int family : new int[] {Netlink.AF_INET, Netlink.AF_INET6}) {
                for (Route route : netlink.routes(family)) {
                    if (route.table() == Route.TABLE_MAIN
                            && route.type() == RouteType.UNICAST
                            && route.gateway().isEmpty()
                            && route.protocol() != Route.PROTOCOL_CORRIDOR
                            && !route.destination().isDefault()
                            && route.outputInterface() != 0) {
                        networks.add(route.destination());
                    }
                }
            }
        }
        return networks;
    }
}
