package dev.corridor.operator.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.corridor.sidecar.testing.GatewayLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The chart's alert rules and Grafana dashboard, read as Prometheus and Grafana read them. */
final class MonitoringFiles {
    static final Path REPOSITORY = GatewayLab.repositoryRoot();
    static final Path ALERTS = REPOSITORY.resolve("charts/corridor/files/corridor-alerts.yaml");
    static final Path DASHBOARD = REPOSITORY.resolve("charts/corridor/files/corridor-dashboard.json");
    static final Path EXAMPLE_DASHBOARD = REPOSITORY.resolve("examples/corridor-dashboard.json");
    /** The promtool unit tests of the alerts, which name the alert file beside them. */
    static final String ALERT_TESTS_RESOURCE = "/monitoring/corridor-alerts-test.yaml";

    /**
     * A vector selector of one of Corridor's metrics: its name and label matchers. The label names in the
     * alerts and panels never start with a metric prefix, so a name followed by optional braces is a selector.
     */
    private static final Pattern SELECTOR = Pattern.compile("\\b((?:corridor|process|jvm)_[a-z0-9_]+)(\\{[^}]*})?");
    /** Grafana's template variable query for the values of a label: label_values(SELECTOR, LABEL). */
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+), *(\\w+)\\)");

    private MonitoringFiles() {}

    record Alert(
            String group,
            String name,
            String expr,
            String forDuration,
            Map<String, String> labels,
            Map<String, String> annotations) {}

    /** A query of a dashboard panel. */
    record PanelQuery(String panel, String refId, String expr, boolean instant) {
        @Override
        public String toString() {
            return "'" + panel + "' " + refId;
        }
    }

    /** A template variable that lists a label's values, as Grafana asks Prometheus for them. */
    record LabelValuesVariable(String name, String selector, String label) {}

    static List<Alert> alerts() {
        JsonNode file = read(new YAMLMapper(), ALERTS);
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode group : file.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                alerts.add(new Alert(
                        group.path("name").asText(),
                        rule.path("alert").asText(),
                        rule.path("expr").asText(),
                        rule.path("for").asText(""),
                        strings(rule.path("labels")),
                        strings(rule.path("annotations"))));
            }
        }
        return alerts;
    }

    static JsonNode dashboard() {
        return read(new ObjectMapper(), DASHBOARD);
    }

    /** Every panel that shows data (rows are only headings), nested ones included. */
    static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        addPanels(dashboard().path("panels"), panels);
        return panels;
    }

    static List<PanelQuery> panelQueries() {
        List<PanelQuery> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new PanelQuery(
                        panel.path("title").asText(),
                        target.path("refId").asText(),
                        target.path("expr").asText(),
                        target.path("instant").asBoolean(false)));
            }
        }
        return queries;
    }

    static List<LabelValuesVariable> labelValuesVariables() {
        List<LabelValuesVariable> variables = new ArrayList<>();
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                Matcher matcher = LABEL_VALUES.matcher(
                        variable.path("query").path("query").asText());
                if (!matcher.matches()) {
                    throw new AssertionError(
                            "variable " + variable.path("name").asText() + " is not a label_values() query");
                }
                variables.add(
                        new LabelValuesVariable(variable.path("name").asText(), matcher.group(1), matcher.group(2)));
            }
        }
        return variables;
    }

    /** The selectors of Corridor's (and the sidecar process's) metrics in a PromQL expression, each once. */
    static Set<String> selectors(String expr) {
        Set<String> selectors = new LinkedHashSet<>();
        Matcher matcher = SELECTOR.matcher(expr);
        while (matcher.find()) {
            selectors.add(matcher.group());
        }
        return selectors;
    }

    /** The metric name of a selector. */
    static String metricName(String selector) {
        int brace = selector.indexOf('{');
        return brace < 0 ? selector : selector.substring(0, brace);
    }

    private static void addPanels(JsonNode list, List<JsonNode> panels) {
        for (JsonNode panel : list) {
            if (panel.path("type").asText().equals("row")) {
                addPanels(panel.path("panels"), panels);
            } else {
                panels.add(panel);
            }
        }
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.properties()
                .forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return map;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
