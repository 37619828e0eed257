package dev.corridor.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.EgressEnvironment;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.reconciler.TunnelEvents;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the API server for each new pod: no change for pods without the tunnel annotation or with the sidecar
 * already, the sidecar as a JSONPatch for the rest, and a denial that names the tunnel and the reason when the
 * annotation points at a tunnel that is missing or invalid, because an uninjected pod would send its corporate
 * traffic nowhere, or when a per-pod annotation asks for what the operator does not allow. A pod annotated
 * {@value EgressEnvironment#ANNOTATION} gets its tunnel's proxy environment instead, and nothing else.
 */
public final class PodMutator {
    private static final Logger LOG = LoggerFactory.getLogger(PodMutator.class);

    private final TunnelLookup lookup;
    private final TunnelEvents events;
    private final InjectionSettings settings;
    private final WatchedNamespaces namespaces;
    private final KubernetesSerialization serialization;

    public PodMutator(
            TunnelLookup lookup,
            TunnelEvents events,
            InjectionSettings settings,
            WatchedNamespaces namespaces,
            KubernetesSerialization serialization) {
        this.lookup = lookup;
        this.events = events;
        this.settings = settings;
        this.namespaces = namespaces;
        this.serialization = serialization;
    }

    public AdmissionResponse admit(AdmissionRequest request) {
        if (request.getKind() == null
                || !"Pod".equals(request.getKind().getKind())
                || !"CREATE".equals(request.getOperation())) {
            return allowed(request);
        }
        Pod pod = serialization.convertValue(request.getObject(), Pod.class);
        Map<String, String> annotations =
                Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
        String tunnelName = annotations.get(SidecarLayout.TUNNEL_ANNOTATION);
        String egress = annotations.get(EgressEnvironment.ANNOTATION);
        String podName = Optional.ofNullable(pod.getMetadata().getName())
                .orElse(pod.getMetadata().getGenerateName() + "*");
        if (egress != null) {
            return admitEgress(request, pod, podName, egress, tunnelName);
        }
        if (tunnelName == null || PodInjector.hasSidecar(pod)) {
            return allowed(request);
        }
        String namespace = request.getNamespace();
        if (tunnelName.isBlank()) {
            return denied(
                    request,
                    "pod " + podName + ": the annotation " + SidecarLayout.TUNNEL_ANNOTATION
                            + " is empty; it names the VpnTunnel to use");
        }
        if (!namespaces.includes(namespace)) {
            // The operator may read nothing there: its permissions are Roles in the watched namespaces alone.
            return denied(
                    request,
                    "pod " + podName + " asks for VpnTunnel '" + tunnelName + "' in namespace '" + namespace
                            + "', which the operator does not serve (it serves " + namespaces
                            + ": chart value watchNamespaces)");
        }
        List<String> podProblems = PodInjector.problems(pod, settings);
        if (!podProblems.isEmpty()) {
            return denied(request, "pod " + podName + ": " + String.join("; ", podProblems));
        }
        try {
            Optional<VpnTunnel> tunnel = lookup.tunnel(namespace, tunnelName);
            if (tunnel.isEmpty()) {
                return denied(
                        request,
                        "pod " + podName + " asks for VpnTunnel '" + tunnelName + "' (annotation "
                                + SidecarLayout.TUNNEL_ANNOTATION + "), which does not exist in namespace '" + namespace
                                + "'");
            }
            List<SpecValidation.Problem> problems = lookup.problems(tunnel.get());
            if (!problems.isEmpty()) {
                return denied(
                        request,
                        "pod " + podName + " asks for VpnTunnel '" + tunnelName + "' in namespace '" + namespace
                                + "', which is not valid: " + messages(problems));
            }
            Pod injected = PodInjector.inject(pod, tunnel.get(), settings, lookup.clusterDns())
                    .orElseThrow();
            LOG.info("injecting the sidecar into pod {} in {} for VpnTunnel {}", podName, namespace, tunnelName);
            List<String> warnings = new ArrayList<>();
            if (TunnelDns.enabled(tunnel.get().getSpec().dns())) {
                // The pod does not exist yet, so the Event goes on the tunnel (not for a dry run, which must leave no
                // trace); the warning reaches whoever applies the pod.
                PodInjector.ownDns(pod).ifPresent(reason -> {
                    String message = "pod " + podName + ": the tunnel's DNS was not applied: " + reason;
                    warnings.add(message);
                    if (!Boolean.TRUE.equals(request.getDryRun())) {
                        events.warning(tunnel.get(), "DnsNotApplied", message);
                    }
                });
            }
            return patched(request, pod, injected, warnings);
        } catch (KubernetesClientException e) {
            LOG.warn("could not check VpnTunnel {}/{} for pod {}: {}", namespace, tunnelName, podName, e.getMessage());
            return denied(
                    request,
                    "pod " + podName + ": could not check VpnTunnel '" + tunnelName + "' in namespace '" + namespace
                            + "': " + e.getMessage());
        }
    }

    /** A pod that uses a tunnel's shared egress: the proxy environment, nothing else. */
    private AdmissionResponse admitEgress(
            AdmissionRequest request, Pod pod, String podName, String annotation, String tunnelName) {
        String namespace = request.getNamespace();
        if (tunnelName != null) {
            return denied(
                    request,
                    "pod " + podName + " has both " + SidecarLayout.TUNNEL_ANNOTATION + " and "
                            + EgressEnvironment.ANNOTATION
                            + "; it takes a tunnel of its own or a shared egress, not both");
        }
        Optional<EgressEnvironment.TunnelReference> reference =
                EgressEnvironment.TunnelReference.parse(annotation, namespace);
        if (reference.isEmpty()) {
            return denied(
                    request,
                    "pod " + podName + ": the annotation " + EgressEnvironment.ANNOTATION + " is '" + annotation
                            + "'; it names a VpnTunnel as NAME (in the pod's namespace) or NAMESPACE/NAME");
        }
        EgressEnvironment.TunnelReference tunnel = reference.get();
        if (!namespaces.includes(tunnel.namespace())) {
            return denied(
                    request,
                    "pod " + podName + " asks for the egress of VpnTunnel '" + tunnel
                            + "', in a namespace the operator does not" + " serve (it serves " + namespaces
                            + ": chart value watchNamespaces)");
        }
        try {
            Optional<VpnTunnel> found = lookup.tunnel(tunnel.namespace(), tunnel.name());
            if (found.isEmpty()) {
                return denied(
                        request,
                        "pod " + podName + " asks for the egress of VpnTunnel '" + tunnel + "' (annotation "
                                + EgressEnvironment.ANNOTATION + "), which does not exist");
            }
            Optional<String> problem = EgressEnvironment.problem(found.get(), namespace)
                    .or(() -> Optional.of(lookup.problems(found.get()))
                            .filter(problems -> !problems.isEmpty())
                            .map(problems -> "VpnTunnel " + tunnel + " is not valid: " + messages(problems)));
            if (problem.isPresent()) {
                return denied(request, "pod " + podName + ": " + problem.get());
            }
            Optional<Pod> withProxy = EgressEnvironment.inject(pod, found.get(), lookup.clusterDomain());
            LOG.info("giving pod {} in {} the proxy environment of VpnTunnel {}", podName, namespace, tunnel);
            return withProxy
                    .map(changed -> patched(request, pod, changed, List.of()))
                    .orElseGet(() -> allowed(request));
        } catch (KubernetesClientException e) {
            LOG.warn("could not check VpnTunnel {} for pod {}: {}", tunnel, podName, e.getMessage());
            return denied(
                    request, "pod " + podName + ": could not check VpnTunnel '" + tunnel + "': " + e.getMessage());
        }
    }

    private AdmissionResponse patched(AdmissionRequest request, Pod original, Pod injected, List<String> warnings) {
        JsonNode before = serialization.convertValue(original, JsonNode.class);
        JsonNode after = serialization.convertValue(injected, JsonNode.class);
        JsonNode patch = JsonDiff.asJson(before, after, DiffFlags.dontNormalizeOpIntoMoveAndCopy());
        return new AdmissionResponseBuilder()
                .withUid(request.getUid())
                .withAllowed(true)
                .withWarnings(warnings)
                .withPatchType("JSONPatch")
                .withPatch(Base64.getEncoder()
                        .encodeToString(serialization.asJson(patch).getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    private static AdmissionResponse allowed(AdmissionRequest request) {
        return new AdmissionResponseBuilder()
                .withUid(request.getUid())
                .withAllowed(true)
                .build();
    }

    private static AdmissionResponse denied(AdmissionRequest request, String message) {
        LOG.info("denied: {}", message);
        return new AdmissionResponseBuilder()
                .withUid(request.getUid())
                .withAllowed(false)
                .withStatus(new StatusBuilder()
                        .withCode(403)
                        .withReason("Forbidden")
                        .withMessage(message)
                        .build())
                .withAuditAnnotations(Map.of("denied", message))
                .build();
    }

    private static String messages(List<SpecValidation.Problem> problems) {
        return String.join(
                "; ", problems.stream().map(SpecValidation.Problem::message).toList());
    }
}
