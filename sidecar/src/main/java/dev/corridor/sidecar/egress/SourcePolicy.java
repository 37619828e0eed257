package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.IpNetwork;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/** Who may connect to the egress listeners: the allowed networks ({@code --proxy-allow-source}), else loopback only. */
public record SourcePolicy(List<IpNetwork> allowed) {
    public SourcePolicy {
        allowed = List.copyOf(allowed);
    }

    public boolean allows(InetAddress source) {
        InetAddress address = unmapped(source);
        if (allowed.isEmpty()) {
            return address.isLoopbackAddress();
        }
        return allowed.stream().anyMatch(network -> network.contains(address));
    }

    /** An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d: the IPv4 networks must match it too. */
    static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                return InetAddress.ofLiteral((bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff));
            }
        }
        return address;
    }
}
