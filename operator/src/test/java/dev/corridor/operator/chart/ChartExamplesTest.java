package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.AuthenticationValidation;
import dev.corridor.operator.model.EgressWorkload;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.testing.RestrictedPodSecurity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The user-facing examples (examples/*.yaml) are valid: every VpnTunnel deserializes into the operator's class and
 * satisfies the generated CRD's schema, every object it names exists in the examples, and the annotated workloads
 * get the sidecar they are described with. Without an API server the CRD's CEL rules are checked through the operator's
 * {@link SpecValidation}, which implements each of them and must find nothing wrong; list items are checked by their
 * schema's patterns, evaluated here.
 */
class ChartExamplesTest {
    private static final Path EXAMPLES = RenderedChart.REPOSITORY.resolve("examples");
    private static final Path CRD = RenderedChart.REPOSITORY.resolve("crds/vpntunnels.corridor.dev-v1.yml");
    /** The CRD's object-level rules; SpecValidation implements each (see the test of each rule's field below). */
    private static final Set<String> RULES_LEFT_TO_SPEC_VALIDATION = Set.of(
            "!has(self.ca) || (has(self.ca.secret) != has(self.ca.configMap))",
            "!has(self.allowDefaultRoute) || !self.allowDefaultRoute || (has(self.neverRoute) && size(self.neverRoute) > 0)",
            "!has(self.minDelaySeconds) || !has(self.maxDelaySeconds) || self.maxDelaySeconds >= self.minDelaySeconds",
            "has(self.secretRef) || has(self.clientCertificate) || has(self.cookieSecretRef)",
            "!has(self.mcaCertificate) || has(self.clientCertificate)",
            "!has(self.cookieSecretRef) || (!has(self.secretRef) && !has(self.totp))");

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static List<ObjectNode> documents;
    private static JsonNode crd;

    @BeforeAll
    static void load() throws IOException {
        documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".yaml"))
                    .sorted()
                    .toList()) {
                documents.addAll(RenderedChart.parse(Files.readString(file)));
            }
        }
        crd = RenderedChart.parse(Files.readString(CRD)).getFirst();
    }

    @Test
    void examplesHoldTheTunnelsTheirSecretsAndCertificateTheirWorkloadsAndTheEgressNamespaces() {
        assertThat(documents)
                .extracting(document -> document.path("kind").asText())
                .containsExactlyInAnyOrder(
                        "Deployment",
                        "Deployment",
                        "Job",
                        "Secret",
                        "Secret",
                        "Secret",
                        "VpnTunnel",
                        "VpnTunnel",
                        "VpnTunnel",
                        "Certificate",
                        "Namespace",
                        "Namespace");
    }

    /**
     * egress.yaml: a restricted namespace reaches a corporate database through a forward. The client is allowed by
     * the tunnel, connects to the Service the operator makes for the forward, and passes the restricted level.
     */
    @Test
    void theEgressExampleReachesItsDatabaseFromARestrictedNamespace() {
        VpnTunnel tunnel = ofKind("VpnTunnel").stream()
                .map(document -> strict(document, VpnTunnel.class))
                .filter(candidate -> candidate.getSpec().egress() != null)
                .findFirst()
                .orElseThrow();
        assertThat(EgressWorkload.problems(tunnel)).isEmpty();
        Egress.ForwardedService database = tunnel.getSpec().egress().services().getFirst();
        String service = EgressWorkload.serviceName(tunnel.getMetadata().getName(), database.name());
        assertThat(EgressWorkload.services(tunnel)).containsKey(service);

        Deployment client = ofKind("Deployment").stream()
                .map(document -> strict(document, Deployment.class))
                .filter(deployment -> tunnel.getSpec()
                        .egress()
                        .allowedNamespaces()
                        .contains(deployment.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no example workload in a namespace the egress allows"));
        assertThat(String.join(
                        " ",
                        client.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .getFirst()
                                .getArgs()))
                .contains("-h " + service + "." + tunnel.getMetadata().getNamespace() + ".svc -p "
                        + database.ports().getFirst());
        Pod pod = new Pod(
                "v1",
                "Pod",
                client.getSpec().getTemplate().getMetadata(),
                client.getSpec().getTemplate().getSpec(),
                null);
        assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
        assertThat(ofKind("Namespace")).anySatisfy(namespace -> {
            assertThat(namespace.path("metadata").path("name").asText())
                    .isEqualTo(client.getMetadata().getNamespace());
            assertThat(namespace
                            .path("metadata")
                            .path("labels")
                            .path("pod-security.kubernetes.io/enforce")
                            .asText())
                    .isEqualTo("restricted");
        });
    }

    @Test
    void everyVpnTunnelDeserializesAndSatisfiesTheCrdSchema() {
        JsonNode version = crd.path("spec").path("versions").get(0);
        String apiVersion = crd.path("spec").path("group").asText() + "/"
                + version.path("name").asText();
        JsonNode specSchema = version.path("schema")
                .path("openAPIV3Schema")
                .path("properties")
                .path("spec");

        for (ObjectNode document : ofKind("VpnTunnel")) {
            assertThat(document.path("apiVersion").asText()).isEqualTo(apiVersion);
            assertThat(iterable(document.fieldNames())).isSubsetOf("apiVersion", "kind", "metadata", "spec");
            VpnTunnel tunnel = strict(document, VpnTunnel.class);
            assertThat(tunnel.getSpec()).isNotNull();

            List<String> problems = new ArrayList<>();
            Set<String> unevaluatedRules = new LinkedHashSet<>();
            validate(document.path("spec"), specSchema, "spec", problems, unevaluatedRules);
            assertThat(problems)
                    .as(document.path("metadata").path("name").asText())
                    .isEmpty();
            assertThat(RULES_LEFT_TO_SPEC_VALIDATION).containsAll(unevaluatedRules);

            Secret credentials =
                    secret(tunnel.getSpec().authentication().secretRef().name());
            assertThat(SpecValidation.validate(
                            tunnel.getSpec(), Optional.of(data(credentials).keySet()), Optional.empty()))
                    .isEmpty();
            // What else the tunnel names: Secrets of the examples with the keys and content the sidecar reads, or a
            // cert-manager Certificate that makes the kubernetes.io/tls Secret (judged as such by the check below).
            VpnTunnelSpec.Authentication authentication = tunnel.getSpec().authentication();
            Optional.ofNullable(authentication.clientCertificate())
                    .ifPresent(tls -> assertThat(certificateSecrets()).contains(tls.secretName()));
            VpnTunnelSpec.Authentication withoutCertificates = new VpnTunnelSpec.Authentication(
                    authentication.secretRef(),
                    authentication.authGroup(),
                    authentication.totp(),
                    null,
                    null,
                    authentication.cookieSecretRef(),
                    authentication.formEntries());
            assertThat(AuthenticationValidation.validate(
                            withoutCertificates,
                            name -> Optional.of(secret(name)).map(ChartExamplesTest::data),
                            Instant.now()))
                    .isEmpty();
        }
    }

    /** The schema walker must itself catch what it claims to: a spec that breaks each kind of constraint. */
    @Test
    void schemaCheckCatchesWhatTheApiServerWouldRefuse() throws IOException {
        JsonNode specSchema = crd.path("spec")
                .path("versions")
                .get(0)
                .path("schema")
                .path("openAPIV3Schema")
                .path("properties")
                .path("spec");
        JsonNode bad = RenderedChart.parse("""
                gateway: http://vpn.example.com/
                authentication: {secretRef: {usernameKey: user}}
                trust: {pinnedPublicKeys: [pin-sha256:short=]}
                routes: {neverRoute: [cluster], include: [ffffffffffffffffffffffffffffffffffffffffffffffffff/64]}
                mtu: 100
                dtls: "yes"
                sidecar: {logLevel: verbose}
                proxy: http://proxy:3128
                egress: {allowedNamespaces: [], services: [{name: db, host: db.corp.example.test, ports: [5432], extra: 1}, {name: %s, host: h, ports: [1]}]}
                """.formatted("d".repeat(41))).getFirst();
        List<String> problems = new ArrayList<>();
        validate(bad, specSchema, "spec", problems, new LinkedHashSet<>());
        assertThat(problems)
                .containsExactlyInAnyOrder(
                        "spec.gateway: 'http://vpn.example.com/' does not match ^https://[^\\s/?#]+(/[^\\s?#]*)?$",
                        "spec.authentication.secretRef: required field 'name' is missing",
                        "spec.trust.pinnedPublicKeys[0]: 'pin-sha256:short=' does not match ^pin-sha256:[A-Za-z0-9+/]{43}=$",
                        "spec.routes.neverRoute[0]: 'cluster' does not match ^[0-9a-fA-F:.]+/[0-9]{1,3}$",
                        "spec.routes.include[0]: longer than 49 characters",
                        "spec.mtu: 100 is below the minimum 1280",
                        "spec.dtls: expected a boolean",
                        "spec.sidecar.logLevel: 'verbose' does not match ^(error|warn|info|debug)$",
                        "spec.proxy: unknown field",
                        "spec.egress.allowedNamespaces: fewer than 1 items",
                        "spec.egress.services[0].extra: unknown field",
                        "spec.egress.services[1].name: longer than 40 characters");
    }

    @Test
    void annotatedWorkloadsNameAnExampleTunnelAndGetANativeSidecar() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        ofKind("Deployment")
                .forEach(document -> templates.add(
                        strict(document, Deployment.class).getSpec().getTemplate()));
        ofKind("Job")
                .forEach(document ->
                        templates.add(strict(document, Job.class).getSpec().getTemplate()));
        templates.removeIf(template -> template.getMetadata().getAnnotations() == null
                || !template.getMetadata().getAnnotations().containsKey("corridor.dev/tunnel"));
        assertThat(templates).hasSize(2);
        InjectionSettings nativeSidecar = new InjectionSettings(
                "corridor-sidecar:0.1.0",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.HOST_PATH,
                new ResourceRequirements(),
                AllowedImages.NONE);

        for (PodTemplateSpec template : templates) {
            String tunnelName = template.getMetadata().getAnnotations().get("corridor.dev/tunnel");
            VpnTunnel tunnel = ofKind("VpnTunnel").stream()
                    .map(document -> strict(document, VpnTunnel.class))
                    .filter(candidate -> candidate.getMetadata().getName().equals(tunnelName))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no example VpnTunnel named '" + tunnelName + "'"));
            tunnel.getMetadata().setNamespace("apps");
            Pod pod = new Pod(
                    "v1",
                    "Pod",
                    new ObjectMetaBuilder(template.getMetadata())
                            .withName("example")
                            .withNamespace("apps")
                            .build(),
                    template.getSpec(),
                    null);

            Pod injected = PodInjector.inject(pod, tunnel, nativeSidecar, Fixtures.CLUSTER_DNS)
                    .orElseThrow();
            Container sidecar = injected.getSpec().getInitContainers().getFirst();
            // An init container that keeps running and holds the application back until /readyz answers.
            assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
            assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
            assertThat(injected.getSpec().getContainers())
                    .isEqualTo(template.getSpec().getContainers());
        }
    }

    private static List<ObjectNode> ofKind(String kind) {
        return documents.stream()
                .filter(document -> kind.equals(document.path("kind").asText()))
                .toList();
    }

    /** The Secrets the examples' cert-manager Certificates make. */
    private static List<String> certificateSecrets() {
        return ofKind("Certificate").stream()
                .map(document -> {
                    assertThat(document.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1");
                    assertThat(document.path("spec").path("usages").toString()).contains("client auth");
                    return document.path("spec").path("secretName").asText();
                })
                .toList();
    }

    private static Map<String, byte[]> data(Secret secret) {
        Map<String, byte[]> data = new HashMap<>();
        Optional.ofNullable(secret.getData())
                .ifPresent(values -> values.forEach(
                        (key, value) -> data.put(key, Base64.getDecoder().decode(value))));
        Optional.ofNullable(secret.getStringData())
                .ifPresent(values ->
                        values.forEach((key, value) -> data.put(key, value.getBytes(StandardCharsets.UTF_8))));
        return data;
    }

    private static Secret secret(String name) {
        return ofKind("Secret").stream()
                .map(document -> strict(document, Secret.class))
                .filter(secret -> secret.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no example Secret named '" + name + "'"));
    }

    /**
     * Deserialized with unknown fields refused: a misspelt field of a VpnTunnel fails here. fabric8's own model
     * classes keep unknown fields aside instead, so for Secret, Deployment and Job only the fields read here count.
     */
    private static <T> T strict(JsonNode node, Class<T> type) {
        try {
            return STRICT.treeToValue(node, type);
        } catch (IOException e) {
            throw new AssertionError(
                    type.getSimpleName() + " "
                            + node.path("metadata").path("name").asText() + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * The parts of an OpenAPI v3 structural schema that the generated CRD uses: types, required fields, unknown
     * fields, patterns, bounds, string lengths, list and map sizes, and int-or-string. Its x-kubernetes-validations rules
     * are collected in {@code unevaluated}, for SpecValidation; any other schema type is a problem, so the check never
     * passes by ignoring something.
     */
    static void validate(JsonNode value, JsonNode schema, String path, List<String> problems, Set<String> unevaluated) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                problems.add(path + ": expected an integer or a string");
            }
            return;
        }
        String type = schema.path("type").asText();
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": expected an object");
                    return;
                }
                if (schema.has("maxProperties")
                        && value.size() > schema.path("maxProperties").asInt()) {
                    problems.add(
                            path + ": more than " + schema.path("maxProperties").asInt() + " entries");
                }
                schema.path("required").forEach(required -> {
                    if (!value.has(required.asText())) {
                        problems.add(path + ": required field '" + required.asText() + "' is missing");
                    }
                });
                value.properties().forEach(field -> {
                    JsonNode fieldSchema = schema.path("properties").has(field.getKey())
                            ? schema.path("properties").path(field.getKey())
                            : schema.path("additionalProperties");
                    if (fieldSchema.isMissingNode()) {
                        problems.add(path + "." + field.getKey() + ": unknown field");
                    } else {
                        validate(field.getValue(), fieldSchema, path + "." + field.getKey(), problems, unevaluated);
                    }
                });
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": expected a list");
                    return;
                }
                if (schema.has("maxItems")
                        && value.size() > schema.path("maxItems").asInt()) {
                    problems.add(path + ": more than " + schema.path("maxItems").asInt() + " items");
                }
                if (schema.has("minItems")
                        && value.size() < schema.path("minItems").asInt()) {
                    problems.add(
                            path + ": fewer than " + schema.path("minItems").asInt() + " items");
                }
                for (int i = 0; i < value.size(); i++) {
                    validate(value.get(i), schema.path("items"), path + "[" + i + "]", problems, unevaluated);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    problems.add(path + ": expected a string");
                } else if (schema.has("pattern")
                        && !Pattern.compile(schema.path("pattern").asText())
                                .matcher(value.asText())
                                .find()) {
                    problems.add(path + ": '" + value.asText() + "' does not match "
                            + schema.path("pattern").asText());
                } else if (schema.has("maxLength")
                        && value.asText().codePointCount(0, value.asText().length())
                                > schema.path("maxLength").asInt()) {
                    problems.add(
                            path + ": longer than " + schema.path("maxLength").asInt() + " characters");
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + ": expected an integer");
                } else if (schema.has("minimum")
                        && value.asDouble() < schema.path("minimum").asDouble()) {
                    problems.add(path + ": " + value.asLong() + " is below the minimum "
                            + schema.path("minimum").asLong());
                } else if (schema.has("maximum")
                        && value.asDouble() > schema.path("maximum").asDouble()) {
                    problems.add(path + ": " + value.asLong() + " is above the maximum "
                            + schema.path("maximum").asLong());
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + ": expected a boolean");
                }
            }
            default -> problems.add(path + ": the schema's type '" + type + "' is not one this check understands");
        }
        if (schema.has("enum") && !iterable(schema.path("enum").elements()).contains(value)) {
            problems.add(path + ": " + value + " is not one of " + schema.path("enum"));
        }
        schema.path("x-kubernetes-validations")
                .forEach(rule -> unevaluated.add(rule.path("rule").asText()));
    }

    private static <T> List<T> iterable(Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
