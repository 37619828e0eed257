package dev.corridor.sidecar.egress;

import dev.corridor.sidecar.net.IpNetwork;
import java.net.InetAddress;
import java.util.List;

/** Who may connect to the egress listeners: the allowed networks ({@code --proxy-allow-source}), else loopback only. */
public record SourcePolicy(List<IpNetwork> allowed) {
    public SourcePolicy {
        allowed = List.copyOf(allowed);
    }

    public boolean allows(InetAddress source) {
        // An IPv4 client of a dual-stack listener arrives as an Inet4Address already (the JDK unmaps ::ffff:a.b.c.d).
        if (allowed.isEmpty()) {
            return source.isLoopbackAddress();
        }
        return allowed.stream().anyMatch(network -> network.contains(source));
    }
}
