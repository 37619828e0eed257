package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * Split DNS in the tunnel's pods: the sidecar's forwarder answers the pod's queries, corporate names through the tunnel
 * and everything else from the cluster's DNS.
 */
public record TunnelDns(
        @Default("true")
        @JsonPropertyDescription(
                "Point the pods' resolv.conf at the sidecar's DNS forwarder (127.0.0.1), keeping the cluster's search path "
                        + "and ndots:5. A pod that sets its own dnsPolicy None or Default keeps its DNS, and an Event says so.")
        Boolean enabled,

        @Size(max = 32)
        @JsonPropertyDescription(
                "Corporate domains resolved through the tunnel beside the gateway's split-DNS and default domains "
                        + "(the sidecar's --dns-domain).")
        List<@Size(max = 253) @Pattern(DOMAIN) String> domains,

        @Default("false")
        @JsonPropertyDescription(
                "Resolve every name outside the cluster's domain through the tunnel (--dns-all-through-tunnel).")
        Boolean allThroughTunnel) {

    /**
     * A domain name the sidecar's --dns-domain accepts: dot-separated labels of up to 63 letters, digits, '-' and '_',
     * not starting with '-', and an optional final dot. Written without nested repetition, so that no input makes the
     * operator's own check backtrack.
     */
    public static final String DOMAIN = "^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\\.?$";

    /** Whether the tunnel's pods get the forwarder: unless spec.dns.enabled is false. */
    public static boolean enabled(TunnelDns dns) {
        return dns == null || !Boolean.FALSE.equals(dns.enabled());
    }
}
