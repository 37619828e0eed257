package dev.corridor.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.monitoring.MonitoringFiles.Alert;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules of charts/corridor/files/corridor-alerts.yaml as Prometheus's promtool sees them: valid, and each
 * alert firing in its unit test's firing case and quiet in its near miss. And what the on-call reads: a severity, a
 * summary and a description that name where (namespace, pod, tunnel) and say what to check.
 */
class AlertRulesTest {
    private static final Set<String> SEVERITIES = Set.of("warning", "critical");
    private static final Pattern DURATION = Pattern.compile("([0-9]+(ms|s|m|h))+");

    @TempDir
    Path scratch;

    @Test
    void promtoolFindsEveryRuleValid() {
        Promtool.Result result = Promtool.checkRules(MonitoringFiles.ALERTS);

        assertThat(result.succeeded()).as(result.output()).isTrue();
        assertThat(result.output())
                .contains("SUCCESS: " + MonitoringFiles.alerts().size() + " rules found");
    }

    @Test
    void promtoolUnitTestsPass() throws IOException {
        // The test file names the rule file beside it, as promtool resolves rule_files.
        Files.copy(MonitoringFiles.ALERTS, scratch.resolve(MonitoringFiles.ALERTS.getFileName()));
        Path tests = scratch.resolve("corridor-alerts-test.yaml");
        try (InputStream in = getClass().getResourceAsStream(MonitoringFiles.ALERT_TESTS_RESOURCE)) {
            Files.copy(in, tests);
        }

        Promtool.Result result = Promtool.testRules(tests);

        assertThat(result.succeeded()).as(result.output()).isTrue();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertIsTestedFiringAndQuiet() throws IOException {
        Set<String> firing = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        try (InputStream in = getClass().getResourceAsStream(MonitoringFiles.ALERT_TESTS_RESOURCE)) {
            for (JsonNode test : new YAMLMapper().readTree(in).path("tests")) {
                for (JsonNode check : test.path("alert_rule_test")) {
                    (check.path("exp_alerts").isEmpty() ? quiet : firing)
                            .add(check.path("alertname").asText());
                }
            }
        }
        List<String> alerts = MonitoringFiles.alerts().stream().map(Alert::name).toList();

        assertThat(firing).as("alerts with a firing case").containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(quiet).as("alerts with a case that must not fire").containsExactlyInAnyOrderElementsOf(alerts);
    }

    @Test
    void everyAlertHasASeverityAndSaysWhereAndWhatToCheck() {
        for (Alert alert : MonitoringFiles.alerts()) {
            String summary = alert.annotations().get("summary");
            String description = alert.annotations().get("description");
            assertThat(alert.labels().get("severity")).as(alert.name()).isIn(SEVERITIES);
            assertThat(alert.forDuration())
                    .as(alert.name())
                    .satisfiesAnyOf(
                            duration -> assertThat(duration).isEmpty(),
                            duration -> assertThat(duration).matches(DURATION));
            assertThat(alert.annotations()).as(alert.name()).containsOnlyKeys("summary", "description");
            for (String text : List.of(summary, description)) {
                assertThat(text).as(alert.name()).contains("{{ $labels.namespace }}");
                // The webhook's alerts are about the operator's own pods, not a tunnel.
                if (!alert.group().equals("corridor-webhook")) {
                    assertThat(text).as(alert.name()).contains("{{ $labels.tunnel }}");
                }
            }
            // The sidecar's and the webhook's alerts are per pod; the operator's are per tunnel and have no pod label
            // to show.
            if (alert.group().equals("corridor-sidecar") || alert.group().equals("corridor-webhook")) {
                assertThat(summary + description).as(alert.name()).contains("{{ $labels.pod }}");
            } else {
                assertThat(summary + description).as(alert.name()).doesNotContain("$labels.pod");
            }
            assertThat(description).as(alert.name()).contains("kubectl ").containsPattern("corridor_[a-z_]+");
        }
    }

    @Test
    void descriptionsNameTheSidecarAsTheWebhookInjectsIt() {
        String descriptions = String.join(
                "\n",
                MonitoringFiles.alerts().stream()
                        .map(alert -> alert.annotations().get("description"))
                        .toList());

        assertThat(all(" -c ([a-z-]+)", descriptions)).containsExactly(SidecarLayout.CONTAINER_NAME);
        assertThat(all("port-forward pod/[^`]*? (\\d+)`", descriptions))
                .containsExactly(Integer.toString(SidecarLayout.DEFAULT_HTTP_PORT));
        assertThat(all("-l ([a-z./]+)=", descriptions)).containsExactly(SidecarLayout.TUNNEL_LABEL);
        assertThat(all("annotation (corridor\\.dev/[a-z-]+)", descriptions))
                .containsExactly(SidecarLayout.LOG_LEVEL_ANNOTATION);
    }

    /** The distinct values of the pattern's first group in the text. */
    private static Set<String> all(String regex, String text) {
        return Pattern.compile(regex)
                .matcher(text)
                .results()
                .map(result -> result.group(1))
                .collect(Collectors.toSet());
    }
}
