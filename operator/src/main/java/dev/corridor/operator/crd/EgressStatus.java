package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the tunnel's egress pods report, from their Deployment's status. */
public record EgressStatus(
        @JsonPropertyDescription("Egress pods whose tunnel is up (their readiness is the sidecar's /readyz).") Integer readyReplicas,
        @JsonPropertyDescription("Egress pods that exist, each holding or opening one VPN session.") Integer sessionsInUse,
        @JsonPropertyDescription("The session budget: spec.egress.replicas.") Integer sessionBudget,
        @JsonPropertyDescription("Sessions in use against the budget, as IN_USE/BUDGET.") String sessions,
        @JsonPropertyDescription("The Services the egress serves, by name, comma-separated (as kubectl get shows them).") String services) {
}
