package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.operator.model.SidecarLayout;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's NetworkPolicies (networkPolicy.enabled): the operator reachable on its webhook port and, from Prometheus,
 * its metrics port; injected pods' sidecar port reachable from the operator and Prometheus alone, while every other
 * port of the application stays open, checked port by port for TCP, UDP and SCTP.
 */
class ChartNetworkPolicyTest {
    private static final String PROMETHEUS = """
            [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}},
              podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]""";

    @TempDir
    Path scratch;

    @Test
    void offByDefault() {
        assertThat(RenderedChart.render("corridor", "", scratch).has("NetworkPolicy"))
                .isFalse();
    }

    @Test
    void theOperatorAdmitsTheWebhookFromAnyoneByDefaultAndNothingElse() {
        RenderedChart chart = RenderedChart.render("corridor", "networkPolicy: {enabled: true}", scratch);

        NetworkPolicy operator = chart.one("NetworkPolicy", NetworkPolicy.class);
        assertThat(operator.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(operator.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(chart.one("Deployment", Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getLabels());
        assertThat(operator.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(operator.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).isNullOrEmpty();
            assertThat(rule.getPorts()).singleElement().satisfies(port -> assertTcp(port, 8443));
        });
    }

    @Test
    void withPeersAndTunnelNamespacesTheSidecarPortAdmitsTheOperatorAndPrometheusAlone() {
        RenderedChart chart = RenderedChart.render("corridor", """
                watchNamespaces: [team-a, team-b]
                networkPolicy:
                  enabled: true
                  webhookFrom: [{ipBlock: {cidr: 10.0.0.0/24}}]
                  prometheus: %s
                """.formatted(PROMETHEUS), scratch);

        NetworkPolicy operator = chart.named("NetworkPolicy", "corridor-operator", NetworkPolicy.class);
        assertThat(operator.getSpec().getIngress()).hasSize(2);
        assertThat(operator.getSpec().getIngress().get(0).getFrom())
                .singleElement()
                .satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("10.0.0.0/24"));
        assertThat(operator.getSpec().getIngress().get(1).getPorts())
                .singleElement()
                .satisfies(port -> assertTcp(port, 8080));
        assertThat(operator.getSpec().getIngress().get(1).getFrom())
                .singleElement()
                .satisfies(ChartNetworkPolicyTest::assertPrometheus);

        List<NetworkPolicy> sidecars = chart.documents().stream()
                .filter(document -> document.path("kind").asText().equals("NetworkPolicy")
                        && document.path("metadata").path("name").asText().equals("corridor-sidecars"))
                .map(document -> RenderedChart.as(document, NetworkPolicy.class))
                .toList();
        assertThat(sidecars)
                .extracting(policy -> policy.getMetadata().getNamespace())
                .containsExactlyInAnyOrder("team-a", "team-b");
        Map<String, String> operatorLabels = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels();
        for (NetworkPolicy sidecar : sidecars) {
            assertThat(sidecar.getSpec().getPodSelector().getMatchExpressions())
                    .containsExactly(new LabelSelectorRequirement(SidecarLayout.TUNNEL_LABEL, "Exists", List.of()));
            assertThat(sidecar.getSpec().getPolicyTypes()).containsExactly("Ingress");
            NetworkPolicyIngressRule sidecarPort =
                    sidecar.getSpec().getIngress().get(0);
            assertThat(sidecarPort.getPorts()).singleElement().satisfies(port -> {
                assertThat(port.getProtocol()).isEqualTo("TCP");
                // Exactly the ports PodInjector may give the sidecar.
                assertThat(port.getPort().getIntVal()).isEqualTo(SidecarLayout.DEFAULT_HTTP_PORT);
                assertThat(port.getEndPort()).isEqualTo(SidecarLayout.LAST_HTTP_PORT);
            });
            assertThat(sidecarPort.getFrom()).hasSize(2);
            NetworkPolicyPeer theOperator = sidecarPort.getFrom().get(0);
            assertThat(theOperator.getNamespaceSelector().getMatchLabels())
                    .isEqualTo(Map.of("kubernetes.io/metadata.name", RenderedChart.NAMESPACE));
            assertThat(theOperator.getPodSelector().getMatchLabels()).isEqualTo(operatorLabels);
            assertPrometheus(sidecarPort.getFrom().get(1));

            NetworkPolicyIngressRule everythingElse =
                    sidecar.getSpec().getIngress().get(1);
            assertThat(everythingElse.getFrom()).as("from anyone").isNullOrEmpty();
            assertThat(sidecar.getSpec().getIngress()).hasSize(2);
            for (String protocol : List.of("TCP", "UDP", "SCTP")) {
                BitSet open = ports(everythingElse, protocol);
                BitSet expected = new BitSet();
                expected.set(1, 65536);
                if (protocol.equals("TCP")) {
                    expected.clear(SidecarLayout.DEFAULT_HTTP_PORT, SidecarLayout.LAST_HTTP_PORT + 1);
                }
                assertThat(open).as(protocol + " ports open to anyone").isEqualTo(expected);
            }
        }
    }

    @Test
    void theSidecarNamespacesCanBeNamedWithoutTheNamespacedMode() {
        RenderedChart chart = RenderedChart.render(
                "corridor", "networkPolicy: {enabled: true, sidecarNamespaces: [payments]}", scratch);

        assertThat(chart.kinds())
                .containsExactlyInAnyOrder(
                        "ServiceAccount/corridor-operator",
                        "ClusterRole/corridor-operator",
                        "ClusterRoleBinding/corridor-operator",
                        "Role/corridor-operator",
                        "RoleBinding/corridor-operator",
                        "Role/corridor-operator-cluster-dns",
                        "RoleBinding/corridor-operator-cluster-dns",
                        "Service/corridor-webhook",
                        "Service/corridor-metrics",
                        "Deployment/corridor-operator",
                        "PodDisruptionBudget/corridor-operator",
                        "MutatingWebhookConfiguration/corridor",
                        "NetworkPolicy/corridor-operator",
                        "NetworkPolicy/corridor-sidecars");
        assertThat(chart.named("NetworkPolicy", "corridor-sidecars", NetworkPolicy.class)
                        .getMetadata()
                        .getNamespace())
                .isEqualTo("payments");
    }

    @Test
    void aPeerThatIsNoPeerIsRefused() {
        assertThatThrownBy(() -> RenderedChart.render(
                        "corridor", "networkPolicy: {enabled: true, prometheus: [{namespace: monitoring}]}", scratch))
                .hasMessageContaining("networkPolicy.prometheus.0")
                .hasMessageContaining("Additional property namespace is not allowed");
        assertThatThrownBy(() -> RenderedChart.render(
                        "corridor", "networkPolicy: {enabled: true, sidecarNamespaces: [Payments]}", scratch))
                .hasMessageContaining("networkPolicy.sidecarNamespaces.0")
                .hasMessageContaining("Does not match pattern");
    }

    private static BitSet ports(NetworkPolicyIngressRule rule, String protocol) {
        BitSet open = new BitSet();
        for (NetworkPolicyPort port : rule.getPorts()) {
            if (port.getProtocol().equals(protocol)) {
                int first = port.getPort().getIntVal();
                open.set(first, (port.getEndPort() == null ? first : port.getEndPort()) + 1);
            }
        }
        return open;
    }

    private static void assertTcp(NetworkPolicyPort port, int number) {
        assertThat(port.getProtocol()).isEqualTo("TCP");
        assertThat(port.getPort().getIntVal()).isEqualTo(number);
        assertThat(port.getEndPort()).isNull();
    }

    private static void assertPrometheus(NetworkPolicyPeer peer) {
        assertThat(peer.getNamespaceSelector().getMatchLabels())
                .isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
        assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(Map.of("app.kubernetes.io/name", "prometheus"));
    }
}
