package dev.corridor.operator.model;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a pod annotated {@value #ANNOTATION} gets: the proxy environment pointing at its tunnel's egress, in every
 * container and init container, and nothing else: no container, no volume, no capability, so the pod keeps the
 * {@code restricted} Pod Security level. Pure: the webhook turns the difference into a JSONPatch.
 */
public final class EgressEnvironment {
    /** Names the tunnel whose egress the pod uses: NAME in the pod's namespace, or NAMESPACE/NAME. */
    public static final String ANNOTATION = "corridor.dev/egress";

    private EgressEnvironment() {}

    /** The tunnel an annotation value names: its namespace (the pod's when the value has none) and name. */
    public record TunnelReference(String namespace, String name) {
        public static Optional<TunnelReference> parse(String value, String podNamespace) {
            String[] parts = value.strip().split("/", -1);
            return switch (parts.length) {
                case 1 ->
                    parts[0].isEmpty() ? Optional.empty() : Optional.of(new TunnelReference(podNamespace, parts[0]));
                case 2 ->
                    parts[0].isEmpty() || parts[1].isEmpty()
                            ? Optional.empty()
                            : Optional.of(new TunnelReference(parts[0], parts[1]));
                default -> Optional.empty();
            };
        }

        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /**
     * Why a pod of this namespace cannot use the tunnel's egress, or empty when it can: the tunnel has no egress or no
     * proxy, or the namespace is not among those it allows.
     */
    public static Optional<String> problem(VpnTunnel tunnel, String podNamespace) {
        String name =
                tunnel.getMetadata().getNamespace() + "/" + tunnel.getMetadata().getName();
        Egress egress = tunnel.getSpec().egress();
        if (egress == null) {
            return Optional.of("VpnTunnel " + name + " has no spec.egress");
        }
        if (!EgressWorkload.socks5(egress) && !EgressWorkload.httpProxy(egress)) {
            return Optional.of("VpnTunnel " + name
                    + " has no proxy (spec.egress.proxy.socks5 or .http): reach its forwarded services by"
                    + " their Services instead, without the annotation " + ANNOTATION);
        }
        if (!egress.allowedNamespaces().contains(podNamespace)) {
            return Optional.of("VpnTunnel " + name + " does not admit namespace '" + podNamespace
                    + "' (spec.egress.allowedNamespaces: " + String.join(", ", egress.allowedNamespaces()) + ")");
        }
        return Optional.empty();
    }

    /**
     * The proxy variables: HTTP_PROXY and HTTPS_PROXY for the HTTP proxy, ALL_PROXY for SOCKS5 (socks5h: names are
     * resolved by the egress, through the tunnel's DNS), NO_PROXY for loopback and the cluster's own names and
     * networks. Each also in lower case: curl and others read only http_proxy in lower case.
     */
    public static Map<String, String> variables(VpnTunnel tunnel, String clusterDomain) {
        Egress egress = tunnel.getSpec().egress();
        String suffix = "." + tunnel.getMetadata().getNamespace() + ".svc." + clusterDomain;
        String name = tunnel.getMetadata().getName();
        Map<String, String> variables = new LinkedHashMap<>();
        if (EgressWorkload.httpProxy(egress)) {
            String proxy = "http://" + EgressWorkload.serviceName(name, EgressWorkload.HTTP_PROXY_SERVICE) + suffix
                    + ":" + EgressWorkload.HTTP_PROXY_PORT;
            variables.put("HTTP_PROXY", proxy);
            variables.put("HTTPS_PROXY", proxy);
        }
        if (EgressWorkload.socks5(egress)) {
            variables.put(
                    "ALL_PROXY",
                    "socks5h://" + EgressWorkload.serviceName(name, EgressWorkload.SOCKS5_SERVICE) + suffix + ":"
                            + EgressWorkload.SOCKS5_PORT);
        }
        variables.put(
                "NO_PROXY",
                String.join(
                        ",",
                        Stream.concat(
                                        Stream.of("localhost", "127.0.0.1", "::1", ".svc", "." + clusterDomain),
                                        EgressWorkload.clusterNetworks(tunnel).stream())
                                .toList()));
        Map<String, String> withLowerCase = new LinkedHashMap<>(variables);
        variables.forEach((key, value) -> withLowerCase.put(key.toLowerCase(Locale.ROOT), value));
        return withLowerCase;
    }

    /**
     * The pod with the variables in each container and init container that does not set them itself, or empty when
     * nothing changes (the pod already has them all).
     */
    public static Optional<Pod> inject(Pod pod, VpnTunnel tunnel, String clusterDomain) {
        Map<String, String> variables = variables(tunnel, clusterDomain);
        List<Container> containers = withVariables(pod.getSpec().getContainers(), variables);
        List<Container> initContainers = withVariables(pod.getSpec().getInitContainers(), variables);
        if (containers.equals(orEmpty(pod.getSpec().getContainers()))
                && initContainers.equals(orEmpty(pod.getSpec().getInitContainers()))) {
            return Optional.empty();
        }
        PodBuilder builder =
                new PodBuilder(pod).editSpec().withContainers(containers).endSpec();
        if (pod.getSpec().getInitContainers() != null) {
            builder.editSpec().withInitContainers(initContainers).endSpec();
        }
        return Optional.of(builder.build());
    }

    private static List<Container> withVariables(List<Container> containers, Map<String, String> variables) {
        List<Container> result = new ArrayList<>();
        for (Container container : orEmpty(containers)) {
            Set<String> own =
                    orEmpty(container.getEnv()).stream().map(EnvVar::getName).collect(Collectors.toSet());
            List<EnvVar> added = variables.entrySet().stream()
                    .filter(variable -> !own.contains(variable.getKey()))
                    .map(variable -> new EnvVar(variable.getKey(), variable.getValue(), null))
                    .toList();
            result.add(
                    added.isEmpty()
                            ? container
                            : new ContainerBuilder(container).addAllToEnv(added).build());
        }
        return result;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
