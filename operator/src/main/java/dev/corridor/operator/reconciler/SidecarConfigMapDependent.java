package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.OwnedObjects;
import dev.corridor.operator.model.SidecarConfiguration;
import dev.corridor.operator.model.SidecarLayout;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The tunnel's sidecar configuration, kept equal to what the model renders. Owned by the tunnel, so the cluster
 * deletes it with the tunnel. The informer sees only ConfigMaps the operator made, not every ConfigMap in the cluster;
 * one of the same name that someone else made is left as it is (TunnelLookup reports it), never taken over.
 */
@KubernetesDependent(informer = @Informer(labelSelector = OwnedObjects.MANAGED_BY_SELECTOR))
public final class SidecarConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, VpnTunnel> {
    /** The key under which the reconciler hands this dependent the cluster's DNS, before it invokes the workflow. */
    static final String CLUSTER_DNS = "clusterDns";

    public SidecarConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ReconcileResult<ConfigMap> reconcile(VpnTunnel tunnel, ConfigMap cached, Context<VpnTunnel> context) {
        // Not in the informer's cache: nothing, or a ConfigMap without the operator's label, which creating would
        // overwrite.
        ConfigMap existing = cached != null
                ? cached
                : context.getClient()
                        .configMaps()
                        .inNamespace(tunnel.getMetadata().getNamespace())
                        .withName(
                                SidecarLayout.configMapName(tunnel.getMetadata().getName()))
                        .get();
        if (existing != null && OwnedObjects.notOwned(existing, tunnel).isPresent()) {
            return ReconcileResult.noOperation(existing);
        }
        return super.reconcile(tunnel, cached, context);
    }

    @Override
    protected ConfigMap desired(VpnTunnel tunnel, Context<VpnTunnel> context) {
        return SidecarConfiguration.configMap(
                tunnel,
                context.managedWorkflowAndDependentResourceContext().getMandatory(CLUSTER_DNS, ClusterDns.class));
    }
}
