package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.SidecarConfiguration;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The tunnel's sidecar configuration, kept equal to what the model renders. Owned by the tunnel, so the cluster
 * deletes it with the tunnel. The informer sees only ConfigMaps the operator made, not every ConfigMap in the cluster.
 */
@KubernetesDependent(informer = @Informer(labelSelector = SidecarConfiguration.MANAGED_BY_SELECTOR))
public final class SidecarConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, VpnTunnel> {

    public SidecarConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(VpnTunnel tunnel, Context<VpnTunnel> context) {
        return SidecarConfiguration.configMap(tunnel);
    }
}
