package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Whether the sidecar's readiness counts toward the pod's Ready condition, and how tolerantly. A native sidecar's
 * readiness does count: with gating, a pod whose tunnel stays down leaves its Services; without, the pod stays in
 * them and its corporate traffic fails while the tunnel reconnects. Either way the startup probe holds the
 * application back until the tunnel is first up.
 */
public record SidecarReadiness(
        @Default("true") @JsonPropertyDescription("Whether the pod turns NotReady while its tunnel is down.")
        Boolean gating,

        @Default("5") @Min(1) @Max(300) @JsonPropertyDescription("How often the readiness of the tunnel is probed.")
        Integer periodSeconds,

        @Default("3")
        @Min(1)
        @Max(100)
        @JsonPropertyDescription(
                "Failed probes in a row before the pod turns NotReady: a slow probe or a short VPN blip should not empty the application's Services.")
        Integer failureThreshold) {

    /** What a tunnel without {@code spec.sidecar.readiness} gets: gating, NotReady after about 15 s of failure. */
    public static final SidecarReadiness DEFAULT = new SidecarReadiness(true, 5, 3);

    /** The absent fields taken from {@link #DEFAULT}, as the API server's defaulting would. */
    public SidecarReadiness withDefaults() {
        return new SidecarReadiness(
                gating != null ? gating : DEFAULT.gating,
                periodSeconds != null ? periodSeconds : DEFAULT.periodSeconds,
                failureThreshold != null ? failureThreshold : DEFAULT.failureThreshold);
    }
}
