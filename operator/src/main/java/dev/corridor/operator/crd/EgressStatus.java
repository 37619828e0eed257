package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/** What the tunnel's egress pods report, from their Deployment's status. */
public record EgressStatus(
        @JsonPropertyDescription("Egress pods whose tunnel is up (their readiness is the sidecar's /readyz).")
        Integer readyReplicas,

        @JsonPropertyDescription("Egress pods that exist, each holding or opening one VPN session.")
        Integer sessionsInUse,

        @JsonPropertyDescription("The session budget: spec.egress.replicas.")
        Integer sessionBudget,

        @Size(max = SESSIONS_LENGTH) @JsonPropertyDescription("Sessions in use against the budget, as IN_USE/BUDGET.")
        String sessions,

        @Size(max = SERVICES_LENGTH)
        @JsonPropertyDescription(
                "The Services the egress serves, by name, comma-separated (as kubectl get shows them).")
        String services) {
    /** Two ints and a slash. */
    static final int SESSIONS_LENGTH = 21;
    /** Up to 32 forwarded services plus the SOCKS5 and HTTP proxies, each a Service name of at most 63 characters and a comma. */
    static final int SERVICES_LENGTH = 34 * 64;
}
