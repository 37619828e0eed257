package dev.corridor.operator.metrics;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.WatchedNamespaces;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;

/**
 * Feeds {@link OperatorMetrics} from a watch on the VpnTunnels of the watched namespaces. A watch of its own rather
 * than the reconciler's: replicas that are not the leader never reconcile, yet they are scraped too.
 */
public final class TunnelMetricsFeed implements AutoCloseable {
    private final List<SharedIndexInformer<VpnTunnel>> informers;

    private TunnelMetricsFeed(List<SharedIndexInformer<VpnTunnel>> informers) {
        this.informers = informers;
    }

    /** One watch across the cluster, or one per namespace when only some are watched (the permissions are per namespace then). */
    public static TunnelMetricsFeed start(
            KubernetesClient client, OperatorMetrics metrics, WatchedNamespaces namespaces) {
        ResourceEventHandler<VpnTunnel> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(VpnTunnel tunnel) {
                metrics.tunnelObserved(
                        tunnel.getMetadata().getNamespace(),
                        tunnel.getMetadata().getName(),
                        tunnel.getStatus());
            }

            @Override
            public void onUpdate(VpnTunnel before, VpnTunnel tunnel) {
                onAdd(tunnel);
            }

            @Override
            public void onDelete(VpnTunnel tunnel, boolean finalStateUnknown) {
                metrics.tunnelDeleted(
                        tunnel.getMetadata().getNamespace(),
                        tunnel.getMetadata().getName());
            }
        };
        return new TunnelMetricsFeed(
                namespaces.all()
                        ? List.of(client.resources(VpnTunnel.class)
                                .inAnyNamespace()
                                .inform(handler))
                        : namespaces.names().stream()
                                .sorted()
                                .map(namespace -> client.resources(VpnTunnel.class)
                                        .inNamespace(namespace)
                                        .inform(handler))
                                .toList());
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
