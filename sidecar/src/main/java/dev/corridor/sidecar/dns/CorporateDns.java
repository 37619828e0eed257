package dev.corridor.sidecar.dns;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The corporate side of DNS as the current session has it: which names are corporate, the gateway's DNS servers,
 * whether the session is up (when it is not, corporate names fail at once rather than go anywhere else), and which
 * session it is (a new one flushes the cache).
 */
public record CorporateDns(DnsRoutes routes, List<InetSocketAddress> servers, boolean up, long session) {
    public CorporateDns {
        servers = List.copyOf(servers);
    }
}
