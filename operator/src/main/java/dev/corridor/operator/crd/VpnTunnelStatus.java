package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the operator observed: the spec generation it acted on, the Ready, ConfigValid and Degraded conditions,
 * and the pods carrying the tunnel.
 */
public record VpnTunnelStatus(
        Long observedGeneration,
        List<Condition> conditions,
        @JsonPropertyDescription("Pods that carry the tunnel's sidecar.") Integer injectedPods,
        @JsonPropertyDescription("Of those, pods whose sidecar reports the tunnel up.") Integer connectedPods,
        @JsonPropertyDescription("Per-pod detail, for at most the first 20 pods by name.") List<PodSummary> pods,
        @JsonPropertyDescription("The domains the pods' DNS forwarders resolve through the tunnel: spec.dns.domains and the gateway's "
                + "default domains the sidecars report; absent when spec.dns is disabled.") List<String> dnsDomains) {

    public static final int MAX_PODS = 20;

    public record PodSummary(String name, Boolean connected, String transport, String address, String since) {
    }
}
