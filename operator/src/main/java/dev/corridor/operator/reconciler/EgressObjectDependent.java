package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.OwnedObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.function.Function;

/**
 * One object of a tunnel's egress (its Deployment, NetworkPolicy or PodDisruptionBudget, all named
 * {@link EgressWorkload#workloadName}), kept equal to what the
 * model renders and owned by the tunnel. Standalone, not in the workflow: the reconciler calls it in order and gives
 * it the operator's settings. Like the ConfigMap, an object of the same name that the operator did not make is left
 * alone, never taken over.
 */
final class EgressObjectDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, VpnTunnel> {
    private final Function<VpnTunnel, R> render;

    EgressObjectDependent(Class<R> type, String name, Function<VpnTunnel, R> render) {
        super(type, name);
        this.render = render;
        configureWith(new KubernetesDependentResourceConfigBuilder<R>()
                .withKubernetesDependentInformerConfig(informer(type, name))
                .build());
    }

    /** Only the objects the operator made, in the namespaces of the tunnels. */
    static <R extends HasMetadata> InformerConfiguration<R> informer(Class<R> type, String name) {
        return InformerConfiguration.builder(type)
                .withName(name)
                .withNamespacesInheritedFromController()
                .withLabelSelector(OwnedObjects.MANAGED_BY_SELECTOR)
                .build();
    }

    @Override
    protected ReconcileResult<R> reconcile(VpnTunnel tunnel, R cached, Context<VpnTunnel> context) {
        // Not in the informer's cache: nothing, or an object without the operator's label, which creating would
        // overwrite.
        ResourceID id = targetSecondaryResourceID(tunnel, context);
        R existing = cached != null
                ? cached
                : context.getClient()
                        .resources(resourceType())
                        .inNamespace(id.getNamespace().orElseThrow())
                        .withName(id.getName())
                        .get();
        if (existing != null && OwnedObjects.notOwned(existing, tunnel).isPresent()) {
            return ReconcileResult.noOperation(existing);
        }
        return super.reconcile(tunnel, cached, context);
    }

    /** By name, without rendering: a tunnel that no longer asks for an egress has nothing to render. */
    @Override
    protected ResourceID targetSecondaryResourceID(VpnTunnel tunnel, Context<VpnTunnel> context) {
        return new ResourceID(
                EgressWorkload.workloadName(tunnel.getMetadata().getName()),
                tunnel.getMetadata().getNamespace());
    }

    @Override
    protected R desired(VpnTunnel tunnel, Context<VpnTunnel> context) {
        return render.apply(tunnel);
    }
}
