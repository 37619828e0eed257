package dev.corridor.operator.metrics;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Feeds {@link OperatorMetrics} from a watch on every VpnTunnel. A watch of its own rather than the reconciler's:
 * replicas that are not the leader never reconcile, yet they are scraped too.
 */
public final class TunnelMetricsFeed {
    private TunnelMetricsFeed() {
    }

    public static SharedIndexInformer<VpnTunnel> start(KubernetesClient client, OperatorMetrics metrics) {
        return client.resources(VpnTunnel.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(VpnTunnel tunnel) {
                metrics.tunnelObserved(tunnel.getMetadata().getNamespace(), tunnel.getMetadata().getName(), tunnel.getStatus());
            }

            @Override
            public void onUpdate(VpnTunnel before, VpnTunnel tunnel) {
                onAdd(tunnel);
            }

            @Override
            public void onDelete(VpnTunnel tunnel, boolean finalStateUnknown) {
                metrics.tunnelDeleted(tunnel.getMetadata().getNamespace(), tunnel.getMetadata().getName());
            }
        });
    }
}
