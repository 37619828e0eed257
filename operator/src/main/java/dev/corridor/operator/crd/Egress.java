package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * A shared egress: a few pods of the tunnel's namespace hold the VPN sessions and carry other namespaces' traffic
 * through port forwards (one Service each) and proxies, so that those pods need no sidecar, no capability and no
 * session of their own.
 */
public record Egress(
        @Default("2")
        @Min(1)
        @Max(16)
        @JsonPropertyDescription(
                "Egress pods, spread across nodes; each holds one VPN session, so this is the tunnel's session budget.")
        Integer replicas,

        @Size(max = 32)
        @JsonPropertyDescription(
                "Corporate services, each a ClusterIP Service corridor-<tunnel>-<name> in the tunnel's namespace that forwards to host.")
        List<ForwardedService> services,

        @JsonPropertyDescription("Proxies for pods annotated corridor.dev/egress, each behind a Service of its own.")
        Proxy proxy,

        @Required
        @Size(min = 1, max = 64)
        @JsonPropertyDescription("The namespaces whose pods may connect; a NetworkPolicy admits no other.")
        List<@Pattern(Egress.NAMESPACE) @Size(max = 63) String> allowedNamespaces) {

    /** A DNS-1123 label, as namespace names are. */
    public static final String NAMESPACE = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    public record ForwardedService(
            @Required
            @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
            @Size(max = 40)
            @JsonPropertyDescription("The Service's name after corridor-<tunnel>- (a DNS-1035 label).")
            String name,

            @Required
            @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
            @Size(max = 253)
            @JsonPropertyDescription(
                    "The corporate host: a name, resolved through the tunnel's DNS, or an IPv4 address.")
            String host,

            @Required
            @Size(min = 1, max = 8)
            @JsonPropertyDescription("The TCP ports, the same on the Service and on the host.")
            List<@Min(1) @Max(65535) Integer> ports) {}

    public record Proxy(
            @Default("false")
            @JsonPropertyDescription(
                    "A SOCKS5 proxy (CONNECT, names resolved through the tunnel) behind Service corridor-<tunnel>-socks5, port 1080.")
            Boolean socks5,

            @Default("false")
            @JsonPropertyDescription(
                    "An HTTP proxy (CONNECT and plain http://) behind Service corridor-<tunnel>-http-proxy, port 3128.")
            Boolean http) {}
}
