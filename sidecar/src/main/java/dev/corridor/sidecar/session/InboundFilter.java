package dev.corridor.sidecar.session;

import dev.corridor.sidecar.net.AddressSet;
import dev.corridor.sidecar.net.IpNetwork;
import java.util.List;
import java.util.Set;

/**
 * What the gateway may send into the pod. Its packets must come from the networks routed through the tunnel (less
 * those routed around it): a gateway cannot inject packets that claim to come from the cluster or the internet. And
 * nothing from the tunnel reaches the sidecar's own ports: the corporate side has no business with the probes,
 * {@code /status}, {@code /metrics} or the pod's DNS forwarder, nor with exhausting the server the kubelet's probes need.
 */
final class InboundFilter {
    private static final int TCP = 6;
    /** IPv6 extension headers that may stand between the fixed header and TCP (RFC 8200 section 4). */
    private static final int HOP_BY_HOP = 0;

    private static final int ROUTING = 43;
    private static final int FRAGMENT = 44;
    private static final int DESTINATION_OPTIONS = 60;
    /** Extension headers walked before a packet is taken as one that hides its transport. */
    private static final int MAX_EXTENSION_HEADERS = 8;

    private static final int UDP = 17;

    private final AddressSet sources;
    /** An array, not a set: the check runs for every packet from the gateway, with no boxing of the port. */
    private final int[] sidecarPorts;

    /**
     * @param through     the networks routed through the tunnel
     * @param around      the networks routed around it (excluded, never-route and cluster networks)
     * @param sidecarPorts the TCP and UDP ports the sidecar serves on (HTTP, DNS) where the tunnel could reach them
     */
    InboundFilter(List<IpNetwork> through, List<IpNetwork> around, Set<Integer> sidecarPorts) {
        this.sources = AddressSet.of(through, around);
        this.sidecarPorts =
                sidecarPorts.stream().mapToInt(Integer::intValue).distinct().toArray();
    }

    /** Whether the packet's source address lies in the networks the tunnel carries; the packet is known to be IPv4 or 6. */
    boolean sourceAllowed(byte[] buf, int off, int len) {
        if (isIpv4(buf, off)) {
            return len >= 20 && sources.containsIpv4(buf, off + 12);
        }
        return len >= 40 && sources.containsIpv6(buf, off + 8);
    }

    /**
     * Whether the packet is TCP or UDP for one of the sidecar's ports, or an IPv6 packet whose transport cannot be found
     * within a few extension headers (taken as one: a header chain is no way to smuggle a segment past this check).
     */
    boolean toSidecar(byte[] buf, int off, int len) {
        if (sidecarPorts.length == 0) {
            return false;
        }
        int transport;
        int protocol;
        if (isIpv4(buf, off)) {
            int headerLength = (buf[off] & 0x0f) * 4;
            boolean laterFragment = ((buf[off + 6] & 0x1f) << 8 | (buf[off + 7] & 0xff)) != 0;
            if (len < 20 || laterFragment) {
                return false; // a later fragment has no ports; without its first one it reassembles to nothing
            }
            protocol = buf[off + 9] & 0xff;
            transport = off + headerLength;
        } else {
            if (len < 40) {
                return false;
            }
            protocol = buf[off + 6] & 0xff;
            transport = off + 40;
            int walked = 0;
            while (protocol == HOP_BY_HOP
                    || protocol == ROUTING
                    || protocol == DESTINATION_OPTIONS
                    || protocol == FRAGMENT) {
                if (++walked > MAX_EXTENSION_HEADERS || transport + 8 > off + len) {
                    return true;
                }
                if (protocol == FRAGMENT && ((buf[transport + 2] & 0xff) << 8 | (buf[transport + 3] & 0xf8)) != 0) {
                    return false; // a later fragment: its bytes are data, not ports (as for IPv4 above)
                }
                int next = buf[transport] & 0xff;
                transport += protocol == FRAGMENT ? 8 : ((buf[transport + 1] & 0xff) + 1) * 8;
                protocol = next;
            }
        }
        if ((protocol != TCP && protocol != UDP) || transport + 4 > off + len) {
            return false;
        }
        int port = (buf[transport + 2] & 0xff) << 8 | (buf[transport + 3] & 0xff);
        for (int sidecarPort : sidecarPorts) {
            if (sidecarPort == port) {
                return true;
            }
        }
        return false;
    }

    private static boolean isIpv4(byte[] buf, int off) {
        return (buf[off] >> 4 & 0xf) == 4;
    }
}
