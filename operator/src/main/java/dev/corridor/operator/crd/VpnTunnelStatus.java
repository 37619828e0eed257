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
        @SchemaFrom(type = ConditionsSchema.class) @Size(max = 8) List<Condition> conditions,
        @JsonPropertyDescription("Pods that carry the tunnel's sidecar.") Integer injectedPods,
        @JsonPropertyDescription("Of those, pods whose sidecar reports the tunnel up.") Integer connectedPods,
        @Size(max = VpnTunnelStatus.MAX_PODS) @JsonPropertyDescription("Per-pod detail, for at most the first 20 pods by name.")
        List<PodSummary> pods) {

    public static final int MAX_PODS = 20;

    public record PodSummary(@Size(max = SchemaBounds.OBJECT_NAME_LENGTH) String name, Boolean connected, @Size(max = 32) String transport,
                             @Size(max = 64) String address, @Size(max = 64) String since) {
    }
}
