package dev.corridor.operator.cluster;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.AuthenticationValidation;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.OwnedObjects;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.model.StatusToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a tunnel and the objects it refers to, and judges them with {@link SpecValidation}; and checks that the
 * objects the operator keeps for it under its names are the operator's ({@link OwnedObjects}). The reconciler and the
 * webhook both ask here, so a pod is denied for exactly the reasons the tunnel's ConfigValid condition gives. Only
 * {@code get} is used on Secrets: the operator never lists or caches them.
 */
public final class TunnelLookup {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelLookup.class);
    private final KubernetesClient client;
    private final ClusterDns dnsSettings;
    /** The cluster DNS Service's addresses once found: a Service keeps its ClusterIP for its life. */
    private volatile ClusterDns discoveredDns;

    /** @param dnsSettings the cluster's domain, and its DNS resolvers when the settings name them (else they are looked up) */
    public TunnelLookup(KubernetesClient client, ClusterDns dnsSettings) {
        this.client = client;
        this.dnsSettings = dnsSettings;
    }

    /** The cluster's domain, from the settings: pods' search paths end in it, and shared-egress proxies leave it out. */
    public String clusterDomain() {
        return dnsSettings.domain();
    }

    /**
     * The cluster's DNS for the tunnels' forwarders: the resolvers the settings name, else the ClusterIPs of the
     * Service kube-system/kube-dns (which CoreDNS keeps under that name); no resolvers when neither gives any.
     */
    public ClusterDns clusterDns() {
        if (dnsSettings.known()) {
            return dnsSettings;
        }
        ClusterDns found = discoveredDns;
        if (found != null) {
            return found;
        }
        try {
            Service service = client.services()
                    .inNamespace(ClusterDns.SERVICE_NAMESPACE)
                    .withName(ClusterDns.SERVICE_NAME)
                    .get();
            List<String> addresses = service == null || service.getSpec() == null
                    ? List.of()
                    : Optional.ofNullable(service.getSpec().getClusterIPs())
                            .filter(ips -> !ips.isEmpty())
                            .orElseGet(
                                    () -> Optional.ofNullable(service.getSpec().getClusterIP())
                                            .map(List::of)
                                            .orElse(List.of()))
                            .stream()
                            .filter(ip -> !ip.isBlank() && !"None".equals(ip))
                            .toList();
            if (addresses.isEmpty()) {
                return dnsSettings;
            }
            found = new ClusterDns(dnsSettings.domain(), addresses);
            discoveredDns = found;
            return found;
        } catch (KubernetesClientException e) {
            LOG.warn(
                    "could not read Service {}/{} for the cluster's DNS: {}",
                    ClusterDns.SERVICE_NAMESPACE,
                    ClusterDns.SERVICE_NAME,
                    e.getMessage());
            return dnsSettings;
        }
    }

    public Optional<VpnTunnel> tunnel(String namespace, String name) {
        return Optional.ofNullable(client.resources(VpnTunnel.class)
                .inNamespace(namespace)
                .withName(name)
                .get());
    }

    /** What is wrong with the tunnel and its references; empty when it is valid. */
    public List<SpecValidation.Problem> problems(VpnTunnel tunnel) {
        String namespace = tunnel.getMetadata().getNamespace();
        VpnTunnelSpec spec = tunnel.getSpec();
        if (spec == null) {
            return List.of(new SpecValidation.Problem("SpecMissing", "the VpnTunnel has no spec"));
        }
        try {
            // Several references may name one Secret (a login Secret with its OTP seed): each is read once per check.
            Map<String, Optional<Map<String, byte[]>>> read = new HashMap<>();
            Function<String, Optional<Map<String, byte[]>>> secrets =
                    name -> read.computeIfAbsent(name, unread -> secretData(namespace, unread));
            Optional<Set<String>> secretKeys = Optional.ofNullable(spec.authentication())
                    .map(VpnTunnelSpec.Authentication::secretRef)
                    .map(VpnTunnelSpec.SecretReference::name)
                    .flatMap(secrets)
                    .map(Map::keySet);
            Optional<Set<String>> caKeys = Optional.ofNullable(spec.trust())
                    .map(VpnTunnelSpec.Trust::ca)
                    .flatMap(ca -> ca.secret() != null
                            ? secrets.apply(ca.secret().name()).map(Map::keySet)
                            : ca.configMap() != null
                                    ? configMapKeys(namespace, ca.configMap().name())
                                    : Optional.empty());
            List<SpecValidation.Problem> problems = new ArrayList<>(SpecValidation.validate(spec, secretKeys, caKeys));
            List<SpecValidation.Problem> egressProblems = EgressWorkload.problems(tunnel);
            problems.addAll(egressProblems);
            problems.addAll(AuthenticationValidation.validate(spec.authentication(), secrets, Instant.now()));
            if (TunnelDns.enabled(spec.dns()) && !clusterDns().known()) {
                problems.add(
                        new SpecValidation.Problem(
                                "ClusterDnsUnknown",
                                "spec.dns needs the cluster's DNS resolver, and the operator "
                                        + "found no Service " + ClusterDns.SERVICE_NAMESPACE + "/"
                                        + ClusterDns.SERVICE_NAME + " with a ClusterIP (or may not read "
                                        + "it): set the chart value dns.upstream to the cluster DNS address, or spec.dns.enabled: false"));
            }
            String tunnelName = tunnel.getMetadata().getName();
            Optional.ofNullable(client.configMaps()
                            .inNamespace(namespace)
                            .withName(SidecarLayout.configMapName(tunnelName))
                            .get())
                    .flatMap(configMap -> OwnedObjects.notOwned(configMap, tunnel))
                    .ifPresent(problems::add);
            egressObjects(tunnel, egressProblems).stream()
                    .flatMap(existing -> OwnedObjects.notOwned(existing, tunnel).stream())
                    .forEach(problems::add);
            String tokenSecret = SidecarLayout.statusTokenSecretName(tunnelName);
            Optional.ofNullable(client.secrets()
                            .inNamespace(namespace)
                            .withName(tokenSecret)
                            .get())
                    .flatMap(
                            secret -> OwnedObjects.notOwned(secret, tunnel)
                                    .or(
                                            () -> StatusToken.read(secret).isPresent()
                                                    ? Optional.empty()
                                                    : Optional.of(
                                                            new SpecValidation.Problem(
                                                                    "StatusTokenMissing",
                                                                    "Secret '" + tokenSecret
                                                                            + "' holds no status token: delete it, and the operator makes a new one"))))
                    .ifPresent(problems::add);
            return problems;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return List.of(new SpecValidation.Problem(
                        "Forbidden", "the operator may not read what the tunnel refers to: " + e.getMessage()));
            }
            throw e;
        }
    }

    /** The objects of the names the tunnel's egress takes that exist, whoever made them. */
    private List<HasMetadata> egressObjects(VpnTunnel tunnel, List<SpecValidation.Problem> egressProblems) {
        if (!EgressWorkload.requested(tunnel) || !egressProblems.isEmpty()) {
            return List.of();
        }
        String namespace = tunnel.getMetadata().getNamespace();
        String name = EgressWorkload.workloadName(tunnel.getMetadata().getName());
        List<HasMetadata> existing = new ArrayList<>();
        Stream.of(
                        client.apps()
                                .deployments()
                                .inNamespace(namespace)
                                .withName(name)
                                .get(),
                        client.network()
                                .v1()
                                .networkPolicies()
                                .inNamespace(namespace)
                                .withName(name)
                                .get(),
                        client.policy()
                                .v1()
                                .podDisruptionBudget()
                                .inNamespace(namespace)
                                .withName(name)
                                .get())
                .filter(Objects::nonNull)
                .forEach(existing::add);
        EgressWorkload.services(tunnel).keySet().stream()
                .map(service -> client.services()
                        .inNamespace(namespace)
                        .withName(service)
                        .get())
                .filter(Objects::nonNull)
                .forEach(existing::add);
        return existing;
    }

    /** A Secret's values, decoded; kept only for the one check that read them. */
    private Optional<Map<String, byte[]>> secretData(String namespace, String name) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            return Optional.empty();
        }
        Map<String, byte[]> data = new HashMap<>();
        Optional.ofNullable(secret.getData())
                .ifPresent(values -> values.forEach(
                        (key, value) -> data.put(key, Base64.getMimeDecoder().decode(value))));
        Optional.ofNullable(secret.getStringData())
                .ifPresent(values ->
                        values.forEach((key, value) -> data.put(key, value.getBytes(StandardCharsets.UTF_8))));
        return Optional.of(data);
    }

    private Optional<Set<String>> configMapKeys(String namespace, String name) {
        ConfigMap configMap =
                client.configMaps().inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(configMap).map(c -> keys(c.getData(), c.getBinaryData()));
    }

    private static Set<String> keys(Map<String, String> first, Map<String, String> second) {
        Set<String> keys = new HashSet<>();
        Optional.ofNullable(first).ifPresent(m -> keys.addAll(m.keySet()));
        Optional.ofNullable(second).ifPresent(m -> keys.addAll(m.keySet()));
        return keys;
    }
}
