package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.OwnedObjects;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Services of a tunnel's egress, one per forwarded service and per proxy: created, updated, and deleted when the
 * spec drops them (or drops the egress). A Service of the same name that the operator did not make is left alone.
 */
final class EgressServicesDependent extends CRUDKubernetesDependentResource<Service, VpnTunnel>
        implements BulkDependentResource<Service, VpnTunnel, ResourceID> {
    static final String NAME = "egress-services";

    EgressServicesDependent() {
        super(Service.class, NAME);
        configureWith(new KubernetesDependentResourceConfigBuilder<Service>()
                .withKubernetesDependentInformerConfig(EgressObjectDependent.informer(Service.class, NAME))
                .build());
    }

    @Override
    public Map<ResourceID, Service> desiredResources(VpnTunnel tunnel, Context<VpnTunnel> context) {
        if (!EgressWorkload.requested(tunnel)) {
            return Map.of();
        }
        Map<ResourceID, Service> owned = getSecondaryResources(tunnel, context);
        Map<ResourceID, Service> desired = new LinkedHashMap<>();
        for (Service service : EgressWorkload.services(tunnel).values()) {
            ResourceID id = ResourceID.fromResource(service);
            Service existing = owned.containsKey(id)
                    ? null
                    : context.getClient().resource(service).get();
            if (existing == null || OwnedObjects.notOwned(existing, tunnel).isEmpty()) {
                desired.put(id, service);
            }
        }
        return desired;
    }

    @Override
    public Map<ResourceID, Service> getSecondaryResources(VpnTunnel tunnel, Context<VpnTunnel> context) {
        return eventSource().orElseThrow().getSecondaryResources(tunnel).stream()
                .collect(Collectors.toMap(ResourceID::fromResource, service -> service));
    }
}
