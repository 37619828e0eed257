package dev.corridor.operator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import dev.corridor.sidecar.testing.GatewayLab;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chart rendered by Helm's own template engine (helm-java runs Helm as a native library: no binary, no
 * cluster), split into its documents. Typed objects come from fabric8's model, so a field the chart misspells is
 * simply absent and the assertion on it fails.
 */
record RenderedChart(List<ObjectNode> documents) {
    static final Path REPOSITORY = GatewayLab.repositoryRoot();
    static final Path CHART = REPOSITORY.resolve("charts/corridor");
    static final String NAMESPACE = "corridor-system";
    private static final YAMLMapper YAML = new YAMLMapper();

    /** The image repositories the tests install, where the values name none: the chart requires them. */
    static final String OPERATOR_REPOSITORY = "registry.example.test/corridor/operator";

    static final String SIDECAR_REPOSITORY = "registry.example.test/corridor/sidecar";

    /**
     * Renders the chart as {@code helm template RELEASE charts/corridor -n corridor-system -f VALUES} would, the image
     * repositories added unless the values name them ({@link #withImages}).
     */
    static RenderedChart render(String release, String valuesYaml, Path scratch) {
        return renderExactly(release, withImages(valuesYaml), scratch);
    }

    /**
     * Renders the chart with exactly these values: installed on a {@link FakeApiServer} that serves
     * {@link FakeApiServer#TEMPLATE}, because helm-java's {@code template} says Kubernetes v1.20.0 (its library is
     * built without Helm's version flags) and cannot be told another, and the chart requires 1.29.
     */
    static RenderedChart renderExactly(String release, String valuesYaml, Path scratch) {
        List<ObjectNode> documents = installExactly(release, valuesYaml, scratch, FakeApiServer.TEMPLATE)
                .chart()
                .documents();
        documents.forEach(RenderedChart::withoutInstallAnnotations);
        return new RenderedChart(documents);
    }

    /** The object as the chart rendered it: without the release annotations {@code helm install} adds to every object. */
    private static void withoutInstallAnnotations(ObjectNode document) {
        if (document.path("metadata").path("annotations") instanceof ObjectNode annotations) {
            annotations.remove(List.of("meta.helm.sh/release-name", "meta.helm.sh/release-namespace"));
            if (annotations.isEmpty()) {
                ((ObjectNode) document.get("metadata")).remove("annotations");
            }
        }
    }

    /** The objects of a {@code helm install} and the notes it printed. */
    record Installation(RenderedChart chart, String notes) {}

    /**
     * Installs the chart with {@code helm install RELEASE charts/corridor -n corridor-system -f VALUES} on a
     * {@link FakeApiServer} that serves these APIs, so that {@code .Capabilities} is that cluster's.
     */
    static Installation install(
            String release, String valuesYaml, Path scratch, Map<String, List<FakeApiServer.Kind>> apis) {
        return installExactly(release, withImages(valuesYaml), scratch, apis);
    }

    private static Installation installExactly(
            String release, String valuesYaml, Path scratch, Map<String, List<FakeApiServer.Kind>> apis) {
        try (FakeApiServer cluster = FakeApiServer.serving(apis)) {
            Path values = Files.writeString(Files.createTempFile(scratch, "values", ".yaml"), valuesYaml);
            String output = new Helm(CHART)
                    .install()
                    .withName(release)
                    .withNamespace(NAMESPACE)
                    .withValuesFile(values)
                    // The fake server has no OpenAPI schemas to validate against; the chart tests check the objects.
                    .withKubeConfigContents(cluster.kubeconfig())
                    .disableOpenApiValidation()
                    .call()
                    .getOutput();
            return new Installation(new RenderedChart(cluster.created()), output.substring(output.indexOf("NOTES:")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** These values with {@link #OPERATOR_REPOSITORY} and {@link #SIDECAR_REPOSITORY} where they name no repository. */
    static String withImages(String valuesYaml) {
        try {
            JsonNode parsed = YAML.readTree(valuesYaml);
            ObjectNode values = parsed instanceof ObjectNode object ? object : YAML.createObjectNode();
            addRepository(values, "operator", OPERATOR_REPOSITORY);
            addRepository(values, "sidecar", SIDECAR_REPOSITORY);
            return YAML.writeValueAsString(values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addRepository(ObjectNode values, String component, String repository) {
        ObjectNode image = values.withObjectProperty(component).withObjectProperty("image");
        if (!image.has("repository")) {
            image.put("repository", repository);
        }
    }

    /**
     * A copy of the chart whose values.yaml names the test images, for the commands helm-java cannot pass values to
     * ({@code helm lint}): with the chart's own values.yaml they fail, as the repositories are required.
     */
    static Path chartWithImages(Path scratch) {
        try {
            Path copy = scratch.resolve("corridor");
            try (var files = Files.walk(CHART)) {
                for (Path file : files.toList()) {
                    Path target = copy.resolve(CHART.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            Files.writeString(copy.resolve("values.yaml"), withImages(Files.readString(CHART.resolve("values.yaml"))));
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ObjectNode> parse(String yaml) throws IOException {
        List<ObjectNode> documents = new ArrayList<>();
        try (var iterator = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                // Empty documents (a template whose condition is false) parse as null or missing nodes.
                if (document instanceof ObjectNode object) {
                    documents.add(object);
                }
            }
        }
        return documents;
    }

    List<String> kinds() {
        return documents.stream()
                .map(document -> document.path("kind").asText() + "/"
                        + document.path("metadata").path("name").asText())
                .toList();
    }

    /** The one document of this kind, as a fabric8 object. */
    <T> T one(String kind, Class<T> type) {
        List<ObjectNode> matching = documents.stream()
                .filter(document -> kind.equals(document.path("kind").asText()))
                .toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + kind + ", the chart rendered " + kinds());
        }
        return as(matching.getFirst(), type);
    }

    /** The document of this kind and name, as a fabric8 object. */
    <T> T named(String kind, String name, Class<T> type) {
        return documents.stream()
                .filter(document -> kind.equals(document.path("kind").asText())
                        && name.equals(document.path("metadata").path("name").asText()))
                .findFirst()
                .map(document -> as(document, type))
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + ", the chart rendered " + kinds()));
    }

    /** The one document of this kind, as a JSON tree (for kinds fabric8 has no model for, such as cert-manager's). */
    JsonNode one(String kind) {
        return one(kind, JsonNode.class);
    }

    boolean has(String kind) {
        return documents.stream()
                .anyMatch(document -> kind.equals(document.path("kind").asText()));
    }

    static <T> T as(JsonNode node, Class<T> type) {
        if (type == JsonNode.class) {
            return type.cast(node);
        }
        try {
            return Serialization.unmarshal(new ObjectMapper().writeValueAsString(node), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
