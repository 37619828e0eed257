package dev.corridor.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.monitoring.MonitoringFiles.PanelQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard of charts/corridor/files/corridor-dashboard.json, as Grafana reads it: the data source and
 * the namespace and tunnel to show are variables, every panel follows them, and the layout holds together. The
 * examples/ copy is the same file. (MonitoringIT runs every panel's query against a real Prometheus.)
 */
class DashboardTest {
    /** Series that carry the labels namespace and tunnel: the sidecars' (PodMonitor) and the operator's per-tunnel ones. */
    private static final Pattern PER_TUNNEL =
            Pattern.compile("corridor_tunnel_.*|corridor_operator_tunnel_.*|process_.*|jvm_.*");

    private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)]");
    private static final String DATASOURCE = "${datasource}";

    @Test
    void theExamplesCopyIsTheChartsDashboard() throws IOException {
        assertThat(Files.readString(MonitoringFiles.EXAMPLE_DASHBOARD))
                .as(
                        "examples/corridor-dashboard.json differs from charts/corridor/files/corridor-dashboard.json: copy the chart's")
                .isEqualTo(Files.readString(MonitoringFiles.DASHBOARD));
    }

    @Test
    void dataSourceNamespaceAndTunnelAreVariables() {
        JsonNode dashboard = MonitoringFiles.dashboard();
        assertThat(dashboard.path("schemaVersion").asInt()).isEqualTo(39);
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("title").asText()).isNotBlank();

        JsonNode variables = dashboard.path("templating").path("list");
        assertThat(variables)
                .extracting(variable -> variable.path("name").asText())
                .containsExactly("datasource", "namespace", "tunnel");
        assertThat(variables.get(0).path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get(0).path("query").asText()).isEqualTo("prometheus");
        for (JsonNode variable : List.of(variables.get(1), variables.get(2))) {
            assertThat(variable.path("type").asText()).isEqualTo("query");
            assertThat(variable.path("datasource").path("uid").asText()).isEqualTo(DATASOURCE);
            assertThat(variable.path("multi").asBoolean()).isTrue();
            assertThat(variable.path("includeAll").asBoolean()).isTrue();
        }
        // The tunnels offered are those of the chosen namespaces.
        assertThat(MonitoringFiles.labelValuesVariables())
                .extracting(MonitoringFiles.LabelValuesVariable::selector)
                .containsExactly("corridor_tunnel_up", "corridor_tunnel_up{namespace=~\"$namespace\"}");
    }

    @Test
    void everyPanelAndQueryUsesTheChosenDataSource() {
        for (JsonNode panel : MonitoringFiles.panels()) {
            String title = panel.path("title").asText();
            assertThat(title).isNotBlank();
            assertThat(panel.path("description").asText()).as(title).isNotBlank();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo(DATASOURCE);
            assertThat(panel.path("targets"))
                    .as(title)
                    .isNotEmpty()
                    .allSatisfy(target -> assertThat(
                                    target.path("datasource").path("uid").asText())
                            .isEqualTo(DATASOURCE));
        }
    }

    @Test
    void everyPerTunnelSelectorFollowsTheNamespaceAndTunnelVariables() {
        for (PanelQuery query : MonitoringFiles.panelQueries()) {
            assertThat(MonitoringFiles.selectors(query.expr()))
                    .as(query.toString())
                    .isNotEmpty();
            for (String selector : MonitoringFiles.selectors(query.expr())) {
                if (PER_TUNNEL.matcher(MonitoringFiles.metricName(selector)).matches()) {
                    assertThat(selector)
                            .as(query.toString())
                            .contains("namespace=~\"$namespace\"", "tunnel=~\"$tunnel\"");
                }
            }
        }
    }

    @Test
    void rateWindowsFollowTheScrapeIntervalOrTheTimeRange() {
        for (PanelQuery query : MonitoringFiles.panelQueries()) {
            RANGE.matcher(query.expr())
                    .results()
                    .forEach(range ->
                            assertThat(range.group(1)).as(query.toString()).isIn("$__rate_interval", "$__range"));
        }
    }

    @Test
    void panelsHaveUniqueIdsAndDoNotOverlap() {
        List<JsonNode> all = new ArrayList<>();
        MonitoringFiles.dashboard().path("panels").forEach(all::add);
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : all) {
            assertThat(ids.add(panel.path("id").asInt()))
                    .as("id of " + panel.path("title").asText())
                    .isTrue();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt())
                    .as(panel.path("title").asText())
                    .isLessThanOrEqualTo(24);
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                assertThat(overlap(all.get(i).path("gridPos"), all.get(j).path("gridPos")))
                        .as(all.get(i).path("title").asText() + " and "
                                + all.get(j).path("title").asText())
                        .isFalse();
            }
        }
    }

    private static boolean overlap(JsonNode a, JsonNode b) {
        return a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
    }
}
