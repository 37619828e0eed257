package dev.corridor.operator.reconciler;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.model.TunnelStatusModel;
import dev.corridor.operator.model.WatchedNamespaces;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps a tunnel's sidecar ConfigMap current (the workflow's dependent), its status token in a Secret, and its status
 * true: the validation of the spec and its references, and what the injected pods' sidecars report; and the shared
 * egress a tunnel's spec.egress asks for ({@link EgressObjects}). Runs again when a tunnel or one of its
 * pods changes, and every resync period for what no event announces (a Secret created later, a sidecar's detail).
 */
// Invoked from reconcile(), which first hands the ConfigMap the cluster's DNS (SidecarConfigMapDependent.CLUSTER_DNS).
@Workflow(dependents = @Dependent(type = SidecarConfigMapDependent.class), explicitInvocation = true)
@ControllerConfiguration(name = VpnTunnelReconciler.NAME)
public final class VpnTunnelReconciler implements Reconciler<VpnTunnel> {
    public static final String NAME = "vpntunnel";
    /** How often a tunnel is looked at again without an event; the sidecars' detail is at most this old. */
    public static final Duration RESYNC = Duration.ofSeconds(30);

    private final TunnelLookup lookup;
    private final StatusTokens tokens;
    private final SidecarProbe probe;
    private final TunnelEvents events;
    private final Clock clock;
    private final Duration resync;
    private final EgressObjects egress;

    /** @param clusterDns the cluster's DNS as the settings give it (its resolvers are looked up when they name none) */
    public VpnTunnelReconciler(
            KubernetesClient client, ClusterDns clusterDns, SidecarProbe probe, Clock clock, Duration resync) {
        this.resync = resync;
        this.lookup = new TunnelLookup(client, clusterDns);
        this.tokens = new StatusTokens(client);
        this.probe = probe;
        this.events = new TunnelEvents(client);
        this.clock = clock;
        this.egress = new EgressObjects(probe.injection());
    }

    /** Reconciles the tunnels of these namespaces; their pods and ConfigMaps are watched there alone too, as the chart's Roles allow. */
    public void registerWith(Operator operator, WatchedNamespaces namespaces) {
        if (namespaces.all()) {
            operator.register(this);
        } else {
            operator.register(this, controller -> controller.settingNamespaces(namespaces.names()));
        }
    }

    /** Injected pods, found by the label the webhook puts on them (a Deployment's pods are owned by its ReplicaSet). */
    @Override
    public List<EventSource<?, VpnTunnel>> prepareEventSources(EventSourceContext<VpnTunnel> context) {
        var pods = InformerEventSourceConfiguration.from(Pod.class, VpnTunnel.class)
                .withLabelSelector(SidecarLayout.TUNNEL_LABEL)
                .withSecondaryToPrimaryMapper(pod -> Set.of(new ResourceID(
                        pod.getMetadata().getLabels().get(SidecarLayout.TUNNEL_LABEL),
                        pod.getMetadata().getNamespace())))
                .build();
        List<EventSource<?, VpnTunnel>> sources = new ArrayList<>(egress.eventSources(context));
        sources.add(new InformerEventSource<>(pods, context));
        return sources;
    }

    @Override
    public UpdateControl<VpnTunnel> reconcile(VpnTunnel tunnel, Context<VpnTunnel> context) {
        context.managedWorkflowAndDependentResourceContext()
                .put(SidecarConfigMapDependent.CLUSTER_DNS, lookup.clusterDns());
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        Optional<String> token = tokens.token(tunnel);
        List<SpecValidation.Problem> problems = lookup.problems(tunnel);
        List<Pod> pods = context.getSecondaryResourcesAsStream(Pod.class)
                .filter(VpnTunnelReconciler::carriesTunnel)
                .toList();
        List<Condition> previous = Optional.ofNullable(tunnel.getStatus())
                .map(VpnTunnelStatus::conditions)
                .orElse(List.of());
        VpnTunnelStatus status = TunnelStatusModel.status(
                        tunnel.getMetadata().getGeneration(),
                        tunnel.getSpec(),
                        problems,
                        probe.observe(tunnel, pods, token),
                        previous,
                        clock.instant().truncatedTo(ChronoUnit.SECONDS))
                .withEgress(
                        egress.reconcile(tunnel, problems.isEmpty(), context).orElse(null));
        announceValidity(tunnel, previous, status.conditions());
        if (sameDocument(context, status, tunnel.getStatus())) {
            return UpdateControl.<VpnTunnel>noUpdate().rescheduleAfter(resync);
        }
        VpnTunnel patch = new VpnTunnel();
        patch.setMetadata(new ObjectMetaBuilder()
                .withName(tunnel.getMetadata().getName())
                .withNamespace(tunnel.getMetadata().getNamespace())
                .build());
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch).rescheduleAfter(resync);
    }

    /** Compared as the API server stores them (which drops empty lists), so an unchanged status is not written again. */
    private static boolean sameDocument(Context<VpnTunnel> context, VpnTunnelStatus desired, VpnTunnelStatus current) {
        KubernetesSerialization serialization = context.getClient().getKubernetesSerialization();
        return current != null
                && serialization
                        .convertValue(desired, Map.class)
                        .equals(serialization.convertValue(current, Map.class));
    }

    /** Pods that are meant to have the tunnel now: not on their way out, not finished (a completed Job). */
    static boolean carriesTunnel(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return pod.getMetadata().getDeletionTimestamp() == null
                && !"Succeeded".equals(phase)
                && !"Failed".equals(phase);
    }

    /** One Event when the configuration turns invalid or its problem changes, and one when it is valid again. */
    private void announceValidity(VpnTunnel tunnel, List<Condition> previous, List<Condition> current) {
        Optional<Condition> before = configValid(previous);
        Condition now = configValid(current).orElseThrow();
        if ("False".equals(now.getStatus())
                && before.map(c -> !"False".equals(c.getStatus())
                                || !c.getMessage().equals(now.getMessage()))
                        .orElse(true)) {
            events.warning(tunnel, now.getReason(), now.getMessage());
        } else if ("True".equals(now.getStatus())
                && before.map(c -> "False".equals(c.getStatus())).orElse(false)) {
            events.normal(tunnel, "ConfigValid", "the configuration is valid again");
        }
    }

    private static Optional<Condition> configValid(List<Condition> conditions) {
        return conditions.stream()
                .filter(c -> TunnelStatusModel.CONFIG_VALID.equals(c.getType()))
                .findFirst();
    }
}
