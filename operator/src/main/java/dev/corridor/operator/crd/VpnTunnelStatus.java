package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the operator observed: the spec generation it acted on, the Ready, ConfigValid and Degraded conditions,
 * and the pods carrying the tunnel.
 */
public record VpnTunnelStatus(
        Long observedGeneration,

        @SchemaFrom(type = ConditionsSchema.class) @Size(max = 8)
        List<Condition> conditions,

        @JsonPropertyDescription("Pods that carry the tunnel's sidecar.")
        Integer injectedPods,

        @JsonPropertyDescription("Of those, pods whose sidecar reports the tunnel up.")
        Integer connectedPods,

        @Size(max = VpnTunnelStatus.MAX_PODS)
        @JsonPropertyDescription("Per-pod detail, for at most the first 20 pods by name.")
        List<PodSummary> pods,

        @JsonPropertyDescription("The shared egress, when spec.egress asks for one.")
        EgressStatus egress,

        @Size(max = VpnTunnelStatus.MAX_DNS_DOMAINS)
        @JsonPropertyDescription(
                "The domains the pods' DNS forwarders resolve through the tunnel: spec.dns.domains and the gateway's "
                        + "default domains the sidecars report; absent when spec.dns is disabled.")
        List<@Size(max = 253) String> dnsDomains) {

    public static final int MAX_PODS = 20;
    public static final int MAX_DNS_DOMAINS = 64;

    public VpnTunnelStatus withEgress(EgressStatus egress) {
        return new VpnTunnelStatus(
                observedGeneration, conditions, injectedPods, connectedPods, pods, egress, dnsDomains);
    }

    /**
     * One pod as its sidecar reported it. What a sidecar reports is cut to the schema's bounds: one pod's odd report
     * must not make the API server refuse the whole status.
     */
    public record PodSummary(
            @Size(max = SchemaBounds.OBJECT_NAME_LENGTH) String name,
            Boolean connected,
            @Size(max = REPORTED_LENGTH) String transport,
            @Size(max = REPORTED_LENGTH) String address,
            @Size(max = REPORTED_LENGTH) String since) {
        static final int REPORTED_LENGTH = 64;

        public PodSummary {
            transport = bounded(transport);
            address = bounded(address);
            since = bounded(since);
        }

        private static String bounded(String reported) {
            return reported == null || reported.length() <= REPORTED_LENGTH
                    ? reported
                    : reported.substring(0, REPORTED_LENGTH);
        }
    }
}
