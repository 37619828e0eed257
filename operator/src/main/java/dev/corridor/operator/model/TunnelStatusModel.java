package dev.corridor.operator.model;

import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.crd.VpnTunnelStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The status a tunnel reports, from its validation and what its pods say. Pure. */
public final class TunnelStatusModel {
    public static final String READY = "Ready";
    public static final String CONFIG_VALID = "ConfigValid";
    public static final String DEGRADED = "Degraded";
    private static final Pattern DOMAIN = Pattern.compile(TunnelDns.DOMAIN);

    private TunnelStatusModel() {}

    /**
     * One injected pod as observed: the readiness of its sidecar container (the kubelet asks the sidecar's
     * {@code /readyz}, which is 200 only while the tunnel is up and routed) and, when the operator could read it,
     * the sidecar's own {@code /status}.
     */
    public record PodObservation(String name, boolean sidecarReady, Optional<SidecarReport> report) {}

    /**
     * What a sidecar's {@code /status} says.
     *
     * @param searchDomains the gateway's default domains, which the sidecar's DNS forwarder resolves through the tunnel
     */
    public record SidecarReport(
            String state, String transport, String address, String connectedSince, List<String> searchDomains) {
        public SidecarReport {
            searchDomains = searchDomains == null ? List.of() : List.copyOf(searchDomains);
        }
    }

    public static VpnTunnelStatus status(
            long generation,
            VpnTunnelSpec spec,
            List<SpecValidation.Problem> problems,
            List<PodObservation> pods,
            List<Condition> previous,
            Instant now) {
        List<PodObservation> sorted =
                pods.stream().sorted(Comparator.comparing(PodObservation::name)).toList();
        int connected =
                (int) sorted.stream().filter(TunnelStatusModel::connected).count();
        int injected = sorted.size();

        List<Condition> conditions = new ArrayList<>();
        if (problems.isEmpty()) {
            conditions.add(condition(
                    CONFIG_VALID,
                    true,
                    "Valid",
                    "the spec and the objects it refers to are valid",
                    generation,
                    previous,
                    now));
        } else {
            conditions.add(condition(
                    CONFIG_VALID,
                    false,
                    problems.getFirst().reason(),
                    String.join(
                            "; ",
                            problems.stream()
                                    .map(SpecValidation.Problem::message)
                                    .toList()),
                    generation,
                    previous,
                    now));
        }
        if (!problems.isEmpty()) {
            conditions.add(condition(
                    READY,
                    false,
                    "ConfigInvalid",
                    "the configuration is not valid: see ConfigValid",
                    generation,
                    previous,
                    now));
        } else if (injected == 0) {
            conditions.add(
                    condition(READY, true, "NoPods", "no pod carries this tunnel yet", generation, previous, now));
        } else if (connected == injected) {
            conditions.add(condition(
                    READY,
                    true,
                    "AllConnected",
                    "all " + injected + " pods have the tunnel up",
                    generation,
                    previous,
                    now));
        } else {
            conditions.add(condition(
                    READY,
                    false,
                    "PodsNotConnected",
                    (injected - connected) + " of " + injected + " pods do not have the tunnel up: "
                            + notConnected(sorted),
                    generation,
                    previous,
                    now));
        }
        boolean degraded = injected > connected;
        conditions.add(condition(
                DEGRADED,
                degraded,
                degraded ? "PodsNotConnected" : "AllConnected",
                degraded ? "pods without the tunnel: " + notConnected(sorted) : "no pod lacks the tunnel",
                generation,
                previous,
                now));

        List<VpnTunnelStatus.PodSummary> summaries = sorted.stream()
                .limit(VpnTunnelStatus.MAX_PODS)
                .map(pod -> new VpnTunnelStatus.PodSummary(
                        pod.name(),
                        connected(pod),
                        pod.report().map(SidecarReport::transport).orElse(null),
                        pod.report().map(SidecarReport::address).orElse(null),
                        pod.report().map(SidecarReport::connectedSince).orElse(null)))
                .toList();
        return new VpnTunnelStatus(
                generation, conditions, injected, connected, summaries, null, dnsDomains(spec, sorted));
    }

    /**
     * The domains in effect for the tunnel's DNS: the configured ones, then those the sidecars report from their
     * gateways, each once, lower case, at most {@link VpnTunnelStatus#MAX_DNS_DOMAINS}; absent when the tunnel has no DNS. What a
     * sidecar reports is taken only when it is a domain name.
     */
    static List<String> dnsDomains(VpnTunnelSpec spec, List<PodObservation> pods) {
        if (spec == null || !TunnelDns.enabled(spec.dns())) {
            return null;
        }
        Set<String> domains = new LinkedHashSet<>();
        Optional.ofNullable(spec.dns())
                .map(TunnelDns::domains)
                .orElse(List.of())
                .forEach(domain -> domains.add(normalised(domain)));
        pods.stream()
                .flatMap(pod -> pod.report().stream())
                .flatMap(report -> report.searchDomains().stream())
                .filter(domain ->
                        domain.length() <= 253 && DOMAIN.matcher(domain).matches())
                .forEach(domain -> domains.add(normalised(domain)));
        return domains.stream().limit(VpnTunnelStatus.MAX_DNS_DOMAINS).toList();
    }

    private static String normalised(String domain) {
        String lower = domain.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** A pod counts as connected when its sidecar is ready and, where its /status could be read, says so too. */
    static boolean connected(PodObservation pod) {
        return pod.sidecarReady()
                && pod.report().map(r -> "connected".equals(r.state())).orElse(true);
    }

    private static String notConnected(List<PodObservation> pods) {
        List<String> names = pods.stream()
                .filter(pod -> !connected(pod))
                .map(PodObservation::name)
                .toList();
        return names.size() <= 5
                ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    /** A condition that keeps its transition time while its status stays the same. */
    private static Condition condition(
            String type,
            boolean status,
            String reason,
            String message,
            long generation,
            List<Condition> previous,
            Instant now) {
        String value = status ? "True" : "False";
        String since = previous == null
                ? null
                : previous.stream()
                        .filter(c -> type.equals(c.getType()) && value.equals(c.getStatus()))
                        .map(Condition::getLastTransitionTime)
                        .filter(Objects::nonNull)
                        .findFirst()
                        .orElse(null);
        return new ConditionBuilder()
                .withType(type)
                .withStatus(value)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(since != null ? since : now.toString())
                .build();
    }
}
