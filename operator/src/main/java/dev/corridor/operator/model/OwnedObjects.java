package dev.corridor.operator.model;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects the operator keeps for a tunnel (its ConfigMap and its status-token Secret) and how it tells them from
 * someone else's. It writes only its own: an object of the same name made by someone else is reported and left
 * alone, never taken over, and pods are not given it (they would mount it as the sidecar's configuration or token).
 */
public final class OwnedObjects {
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "corridor-operator";
    /** Selects the objects the operator made. */
    public static final String MANAGED_BY_SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;

    private OwnedObjects() {}

    /** The labels the operator puts on what it makes for a tunnel. */
    public static Map<String, String> labels(VpnTunnel tunnel) {
        return Map.of(
                MANAGED_BY_LABEL,
                MANAGED_BY,
                SidecarLayout.TUNNEL_LABEL,
                tunnel.getMetadata().getName());
    }

    /** The tunnel as the controlling owner, so that the cluster deletes the object with the tunnel. */
    public static OwnerReference ownerReference(VpnTunnel tunnel) {
        return new OwnerReferenceBuilder()
                .withApiVersion(tunnel.getApiVersion())
                .withKind(tunnel.getKind())
                .withName(tunnel.getMetadata().getName())
                .withUid(tunnel.getMetadata().getUid())
                .withController(true)
                .build();
    }

    /**
     * Why an existing object is not the operator's for this tunnel, or empty when it is: its name starts with
     * {@value SidecarLayout#NAME_PREFIX}, it carries the managed-by and tunnel labels, and no other object controls it.
     */
    public static Optional<SpecValidation.Problem> notOwned(HasMetadata existing, VpnTunnel tunnel) {
        String kind = existing.getKind();
        String name = existing.getMetadata().getName();
        Map<String, String> labels =
                Optional.ofNullable(existing.getMetadata().getLabels()).orElse(Map.of());
        List<OwnerReference> owners =
                Optional.ofNullable(existing.getMetadata().getOwnerReferences()).orElse(List.of());
        String why;
        if (!name.startsWith(SidecarLayout.NAME_PREFIX)) {
            why = "its name does not start with " + SidecarLayout.NAME_PREFIX;
        } else if (!MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL))) {
            why = "it lacks the label " + MANAGED_BY_SELECTOR;
        } else if (!tunnel.getMetadata().getName().equals(labels.get(SidecarLayout.TUNNEL_LABEL))) {
            why = "its label " + SidecarLayout.TUNNEL_LABEL + " does not name this tunnel";
        } else if (owners.stream()
                .anyMatch(o -> Boolean.TRUE.equals(o.getController())
                        && !Objects.equals(o.getUid(), tunnel.getMetadata().getUid()))) {
            why = "another object controls it (an earlier VpnTunnel of this name, until the cluster deletes it)";
        } else {
            return Optional.empty();
        }
        return Optional.of(new SpecValidation.Problem(
                "NameTaken",
                kind + " '" + name + "' exists and is not the operator's (" + why
                        + "); the operator leaves it alone and gives pods none: delete or rename it"));
    }
}
