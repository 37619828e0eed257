package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.operator.model.SidecarLayout;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring parts of the chart: the operator's metrics port and Service, and the PodMonitor, ServiceMonitor,
 * PrometheusRule and dashboard ConfigMap. Whether the Prometheus Operator's API is there is up to the cluster, so
 * these tests install the chart with Helm on a {@link FakeApiServer} that serves it or not.
 */
class ChartMonitoringTest {
    private static final String ALL_ENABLED = """
            monitoring:
              podMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
              serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
              prometheusRule: {enabled: true, labels: {release: kube-prometheus-stack}}
              dashboard: {enabled: true}
            """;
    private static final List<String> PROMETHEUS_OPERATOR_KINDS =
            List.of("PodMonitor", "ServiceMonitor", "PrometheusRule");

    @TempDir
    Path scratch;

    @Test
    void theOperatorServesMetricsOnItsOwnPortBehindItsOwnService() {
        RenderedChart chart = RenderedChart.render("corridor", "operator: {metrics: {port: 9090}}", scratch);
        Container operator = chart.one("Deployment", Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();

        assertThat(operator.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("CORRIDOR_METRICS_PORT");
            assertThat(env.getValue()).isEqualTo("9090");
        });
        assertThat(operator.getPorts()).anySatisfy(port -> {
            assertThat(port.getName()).isEqualTo("metrics");
            assertThat(port.getContainerPort()).isEqualTo(9090);
        });
        Service metrics = chart.named("Service", "corridor-metrics", Service.class);
        assertThat(metrics.getSpec().getSelector())
                .isEqualTo(chart.one("Deployment", Deployment.class)
                        .getSpec()
                        .getSelector()
                        .getMatchLabels());
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("metrics");
            assertThat(port.getPort()).isEqualTo(9090);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("metrics");
        });
    }

    @Test
    void byDefaultNothingMonitorsEvenWhereThePrometheusOperatorIsInstalled() {
        RenderedChart chart = RenderedChart.install("corridor", "", scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .chart();

        for (String kind : PROMETHEUS_OPERATOR_KINDS) {
            assertThat(chart.has(kind)).as(kind).isFalse();
        }
        assertThat(chart.has("ConfigMap")).isFalse();
    }

    @Test
    void podMonitorScrapesEveryInjectedSidecarAndLabelsItsSeriesWithNamespacePodAndTunnel() {
        JsonNode podMonitor = RenderedChart.install(
                        "corridor", ALL_ENABLED, scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .chart()
                .one("PodMonitor");

        assertThat(podMonitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(podMonitor.path("metadata").path("namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(podMonitor.path("metadata").path("labels").path("release").asText())
                .isEqualTo("kube-prometheus-stack");
        JsonNode spec = podMonitor.path("spec");
        assertThat(spec.path("namespaceSelector").path("any").asBoolean()).isTrue();
        // The pods the webhook injected, by the label it puts on them.
        assertThat(spec.path("selector").path("matchExpressions"))
                .singleElement()
                .satisfies(expression -> {
                    assertThat(expression.path("key").asText()).isEqualTo(SidecarLayout.TUNNEL_LABEL);
                    assertThat(expression.path("operator").asText()).isEqualTo("Exists");
                });
        JsonNode endpoint = spec.path("podMetricsEndpoints").get(0);
        assertThat(spec.path("podMetricsEndpoints")).hasSize(1);
        assertThat(endpoint.path("port").asText()).isEqualTo(SidecarLayout.PORT_NAME);
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        assertThat(endpoint.path("interval").asText()).isEqualTo("30s");
        // Prometheus turns a pod label's name into a meta label by replacing what is not [a-zA-Z0-9_] with '_'.
        String tunnelLabel =
                "__meta_kubernetes_pod_label_" + SidecarLayout.TUNNEL_LABEL.replaceAll("[^a-zA-Z0-9_]", "_");
        assertThat(endpoint.path("relabelings"))
                .extracting(rule -> rule.path("sourceLabels").get(0).asText() + " -> "
                        + rule.path("targetLabel").asText())
                .containsExactlyInAnyOrder(
                        "__meta_kubernetes_namespace -> namespace",
                        "__meta_kubernetes_pod_name -> pod",
                        tunnelLabel + " -> tunnel");
    }

    @Test
    void serviceMonitorScrapesTheOperatorsMetricsServiceAndKeepsTheTunnelsNamespaces() {
        RenderedChart chart = RenderedChart.install(
                        "corridor", ALL_ENABLED, scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .chart();
        JsonNode serviceMonitor = chart.one("ServiceMonitor");
        Service metrics = chart.named("Service", "corridor-metrics", Service.class);

        assertThat(serviceMonitor.path("metadata").path("namespace").asText()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(serviceMonitor
                        .path("metadata")
                        .path("labels")
                        .path("release")
                        .asText())
                .isEqualTo("kube-prometheus-stack");
        Map<String, String> selector = new ObjectMapper()
                .convertValue(
                        serviceMonitor.path("spec").path("selector").path("matchLabels"),
                        new TypeReference<Map<String, String>>() {});
        assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selector);
        JsonNode endpoint = serviceMonitor.path("spec").path("endpoints").get(0);
        assertThat(serviceMonitor.path("spec").path("endpoints")).hasSize(1);
        assertThat(metrics.getSpec().getPorts())
                .extracting(ServicePort::getName)
                .containsExactly(endpoint.path("port").asText());
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        assertThat(endpoint.path("honorLabels").asBoolean()).isTrue();
        // The webhook's Service has the same labels, but no port of that name: the ServiceMonitor leaves it out.
        assertThat(chart.named("Service", "corridor-webhook", Service.class)
                        .getMetadata()
                        .getLabels())
                .containsAllEntriesOf(selector);
        assertThat(chart.named("Service", "corridor-webhook", Service.class)
                        .getSpec()
                        .getPorts())
                .extracting(ServicePort::getName)
                .doesNotContain(endpoint.path("port").asText());
    }

    @Test
    void prometheusRuleCarriesTheAlertFileAsItIs() throws IOException {
        JsonNode rule = RenderedChart.install("corridor", ALL_ENABLED, scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .chart()
                .one("PrometheusRule");

        assertThat(rule.path("metadata").path("labels").path("release").asText())
                .isEqualTo("kube-prometheus-stack");
        JsonNode alertFile = RenderedChart.parse(
                        Files.readString(RenderedChart.CHART.resolve("files/corridor-alerts.yaml")))
                .getFirst();
        assertThat(rule.path("spec")).isEqualTo(alertFile);
        // Helm left the alert templates for Prometheus.
        assertThat(rule.path("spec").toString()).contains("{{ $labels.namespace }}/{{ $labels.pod }}");
    }

    @Test
    void dashboardConfigMapCarriesTheDashboardFileWithTheGrafanaSidecarsLabel() throws IOException {
        ConfigMap dashboard = RenderedChart.install(
                        "corridor", ALL_ENABLED, scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .chart()
                .one("ConfigMap", ConfigMap.class);

        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getData()).containsOnlyKeys("corridor.json");
        assertThat(dashboard.getData().get("corridor.json"))
                .isEqualTo(Files.readString(RenderedChart.CHART.resolve("files/corridor-dashboard.json"))
                        .strip());
    }

    @Test
    void dashboardLabelsAnnotationsAndNamespaceAreConfigurable() {
        ConfigMap dashboard = RenderedChart.render("corridor", """
                monitoring:
                  dashboard:
                    enabled: true
                    labels: {grafana_dashboard: null, dashboards: corridor}
                    annotations: {grafana_folder: VPN}
                    namespace: monitoring
                """, scratch).one("ConfigMap", ConfigMap.class);

        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(dashboard.getMetadata().getLabels())
                .containsEntry("dashboards", "corridor")
                .doesNotContainKey("grafana_dashboard");
        assertThat(dashboard.getMetadata().getAnnotations()).containsExactlyEntriesOf(Map.of("grafana_folder", "VPN"));
    }

    @Test
    void withoutThePrometheusOperatorOnlyTheDashboardIsCreatedAndTheNotesSaySo() {
        RenderedChart.Installation installation =
                RenderedChart.install("corridor", ALL_ENABLED, scratch, FakeApiServer.KUBERNETES);

        for (String kind : PROMETHEUS_OPERATOR_KINDS) {
            assertThat(installation.chart().has(kind)).as(kind).isFalse();
        }
        assertThat(installation.chart().has("ConfigMap")).isTrue();
        assertThat(installation.notes())
                .contains("does not serve monitoring.coreos.com/v1", "files/corridor-alerts.yaml");
    }

    @Test
    void whereThePrometheusOperatorIsInstalledTheNotesDoNotWarn() {
        String notes = RenderedChart.install("corridor", ALL_ENABLED, scratch, FakeApiServer.WITH_PROMETHEUS_OPERATOR)
                .notes();

        assertThat(notes).contains("kubectl -n APPS get vpnt").doesNotContain("monitoring.coreos.com");
    }
}
