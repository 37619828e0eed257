package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.EgressStatus;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.InjectionSettings;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;
import java.util.Optional;

/**
 * A tunnel's shared egress, in order: the NetworkPolicy first (no egress pod is ever reachable from outside the allowed
 * namespaces), the Services, the PodDisruptionBudget, then the Deployment. When the spec drops the egress, all of them
 * are deleted.
 */
final class EgressObjects {
    private final EgressObjectDependent<NetworkPolicy> networkPolicy =
            new EgressObjectDependent<>(NetworkPolicy.class, "egress-network-policy", EgressWorkload::networkPolicy);
    private final EgressServicesDependent services = new EgressServicesDependent();
    private final EgressObjectDependent<PodDisruptionBudget> disruptionBudget = new EgressObjectDependent<>(
            PodDisruptionBudget.class, "egress-disruption-budget", EgressWorkload::disruptionBudget);
    private final EgressObjectDependent<Deployment> deployment;

    EgressObjects(InjectionSettings injection) {
        this.deployment = new EgressObjectDependent<>(
                Deployment.class, "egress-deployment", tunnel -> EgressWorkload.deployment(tunnel, injection));
    }

    /** The informers of the egress objects, which also bring the Deployment's status changes to the reconciler. */
    List<EventSource<?, VpnTunnel>> eventSources(EventSourceContext<VpnTunnel> context) {
        return List.of(
                networkPolicy.eventSource(context).orElseThrow(),
                services.eventSource(context).orElseThrow(),
                disruptionBudget.eventSource(context).orElseThrow(),
                deployment.eventSource(context).orElseThrow());
    }

    /** Makes the objects match the spec; the egress's status, or empty when the tunnel asks for none or is not valid. */
    Optional<EgressStatus> reconcile(VpnTunnel tunnel, boolean valid, Context<VpnTunnel> context) {
        if (!EgressWorkload.requested(tunnel)) {
            deployment.delete(tunnel, context);
            disruptionBudget.delete(tunnel, context);
            services.delete(tunnel, context);
            networkPolicy.delete(tunnel, context);
            return Optional.empty();
        }
        if (valid) {
            networkPolicy.reconcile(tunnel, context);
            services.reconcile(tunnel, context);
            disruptionBudget.reconcile(tunnel, context);
            deployment.reconcile(tunnel, context);
        }
        return Optional.of(EgressWorkload.status(tunnel, deployment.getSecondaryResource(tunnel, context)));
    }
}
