package dev.corridor.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Would a real API server accept the generated CRD? Fabric8's mock server evaluates no CEL and checks no schema, so
 * this test does what the apiserver does when a CRD is created: it compiles every CEL rule with a CEL library against
 * the types the schema gives {@code self}, estimates each rule's cost with cel-go's and the apiserver's published
 * formulas (an unbounded string counts as 3 MB), and checks the structural-schema rules.
 */
class CrdAdmissibilityTest {
    private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/vpntunnels.corridor.dev-v1.yml");

    @Test
    void everyRuleCompilesAndStaysUnderTheApiServersCostLimits() throws Exception {
        CrdAdmission.Result result = CrdAdmission.check(schema());

        result.rules().forEach(rule -> System.out.println("CEL cost: " + rule));
        System.out.println(
                "CEL cost of the CRD: " + result.totalCost() + " (limit " + CrdAdmission.CRD_COST_LIMIT + ")");
        assertThat(result.errors()).isEmpty();
        assertThat(result.rules())
                .extracting(CrdAdmission.RuleCost::expression)
                .contains(
                        "size(self.metadata.name) <= 63",
                        "!has(self.ca) || (has(self.ca.secret) != has(self.ca.configMap))");
        assertThat(result.rules())
                .allSatisfy(rule -> assertThat(rule.total()).isLessThanOrEqualTo(CrdAdmission.RULE_COST_LIMIT));
    }

    @Test
    void everyStringListAndMapIsBounded() throws Exception {
        assertThat(StructuralSchema.unbounded(schema(), "openAPIV3Schema")).isEmpty();
    }

    @Test
    void theSchemaIsStructural() throws Exception {
        assertThat(StructuralSchema.violations(schema())).isEmpty();
    }

    @Test
    void listItemsAreCheckedByPatternsThatCostNothing() throws Exception {
        JSONSchemaProps spec = schema().getProperties().get("spec");
        for (String list : List.of("include", "exclude", "neverRoute")) {
            JSONSchemaProps items = spec.getProperties()
                    .get("routes")
                    .getProperties()
                    .get(list)
                    .getItems()
                    .getSchema();
            assertThat(items.getPattern()).as(list).isEqualTo(SchemaBounds.CIDR);
            assertThat(items.getMaxLength()).as(list).isEqualTo(SchemaBounds.CIDR_LENGTH);
        }
        JSONSchemaProps pins = spec.getProperties()
                .get("trust")
                .getProperties()
                .get("pinnedPublicKeys")
                .getItems()
                .getSchema();
        assertThat(pins.getPattern()).isEqualTo(SchemaBounds.PIN);
        assertThat("pin-sha256:" + "A".repeat(43) + "=").hasSize(SchemaBounds.PIN_LENGTH);
        assertThat("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128").hasSize(SchemaBounds.CIDR_LENGTH);
    }

    /**
     * The CRD before this test existed: {@code all(c, c.matches(...))} over a list of unbounded strings. The apiserver
     * refused it; so must this test, with the apiserver's figure (64 items x about 2.2M for a match on a 3 MB string),
     * for the three route lists and the pins.
     */
    @Test
    void theFormerListRulesAreRefusedAsTheApiServerRefusedThem() throws Exception {
        JSONSchemaProps root = schema();
        JSONSchemaProps routes =
                root.getProperties().get("spec").getProperties().get("routes");
        List<ValidationRule> rules = new ArrayList<>(routes.getXKubernetesValidations());
        for (String list : List.of("include", "exclude", "neverRoute")) {
            JSONSchemaProps items = routes.getProperties().get(list).getItems().getSchema();
            items.setMaxLength(null);
            items.setPattern(null);
            rules.add(new ValidationRule(
                    "." + list,
                    "each route is a CIDR",
                    null,
                    null,
                    null,
                    "!has(self." + list + ") || self." + list + ".all(c, c.matches('^[0-9a-fA-F:.]+/[0-9]{1,3}$'))"));
        }
        routes.setXKubernetesValidations(rules);
        JSONSchemaProps trust = root.getProperties().get("spec").getProperties().get("trust");
        JSONSchemaProps pins =
                trust.getProperties().get("pinnedPublicKeys").getItems().getSchema();
        pins.setMaxLength(null);
        pins.setPattern(null);
        List<ValidationRule> trustRules = new ArrayList<>(trust.getXKubernetesValidations());
        trustRules.add(
                new ValidationRule(
                        ".pinnedPublicKeys",
                        "each pin is pin-sha256:",
                        null,
                        null,
                        null,
                        "!has(self.pinnedPublicKeys) || self.pinnedPublicKeys.all(p, p.matches('^pin-sha256:[A-Za-z0-9+/]{43}=$'))"));
        trust.setXKubernetesValidations(trustRules);

        CrdAdmission.Result result = CrdAdmission.check(root);

        result.rules().forEach(rule -> System.out.println("CEL cost, former CRD: " + rule));
        System.out.println("CEL cost of the former CRD: " + result.totalCost());
        assertThat(result.errors())
                .contains(
                        "openAPIV3Schema.spec.routes.x-kubernetes-validations[1].rule: estimated rule cost 140928965 exceeds the limit of 10000000",
                        "openAPIV3Schema.spec.routes.x-kubernetes-validations[3].rule: estimated rule cost 35232245 exceeds the limit of 10000000",
                        "openAPIV3Schema.spec.routes.x-kubernetes-validations[1].rule reads include.@items, whose size the schema does not bound"
                                + " (maxLength, maxItems or maxProperties)");
        assertThat(result.errors())
                .contains(
                        "openAPIV3Schema.spec.trust.x-kubernetes-validations[1].rule: estimated rule cost 40265413 exceeds the limit of 10000000",
                        "total CRD cost 357355631 exceeds the limit of 100000000");
    }

    @Test
    void aRuleThatDoesNotCompileOrNamesNoFieldIsReported() throws Exception {
        JSONSchemaProps root = schema();
        JSONSchemaProps reconnect =
                root.getProperties().get("spec").getProperties().get("reconnect");
        reconnect.setXKubernetesValidations(List.of(
                new ValidationRule(null, "typo", null, null, null, "self.maxDelay >= 1"),
                new ValidationRule(".nothing", "no such field", null, null, null, "true")));

        assertThat(CrdAdmission.check(root).errors())
                .anySatisfy(error -> assertThat(error)
                        .startsWith("openAPIV3Schema.spec.reconnect.x-kubernetes-validations[0].rule does not compile")
                        .contains("maxDelay"))
                .contains(
                        "openAPIV3Schema.spec.reconnect.x-kubernetes-validations[1].fieldPath '.nothing' names no property of the schema"
                                + " at openAPIV3Schema.spec.reconnect");
    }

    @Test
    void theStructuralChecksFindWhatTheApiServerRefuses() {
        JSONSchemaProps root = new JSONSchemaPropsBuilder()
                .withType("object")
                .addToProperties(
                        "untyped",
                        new JSONSchemaPropsBuilder().withDescription("no type").build())
                .addToProperties(
                        "list", new JSONSchemaPropsBuilder().withType("array").build())
                .addToProperties(
                        "level",
                        new JSONSchemaPropsBuilder()
                                .withType("string")
                                .withPattern("^(info|debug)$")
                                .withDefault(com.fasterxml.jackson.databind.node.TextNode.valueOf("verbose"))
                                .build())
                .build();

        assertThat(StructuralSchema.violations(root))
                .containsExactlyInAnyOrder(
                        "openAPIV3Schema.untyped: no type (only x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields may omit it)",
                        "openAPIV3Schema.list: an array needs items, one schema",
                        "openAPIV3Schema.level.default: 'verbose' does not match the pattern ^(info|debug)$");
        assertThat(StructuralSchema.unbounded(root, "openAPIV3Schema"))
                .containsExactlyInAnyOrder(
                        "openAPIV3Schema.list: a list without maxItems",
                        "openAPIV3Schema.level: a string without maxLength");
    }

    /** Pods carry the tunnel's name as a label value, which holds at most 63 characters: the CRD refuses longer names. */
    @Test
    void aTunnelNameLongerThan63CharactersIsRefused() throws Exception {
        ValidationRule rule = crd().getSpec()
                .getVersions()
                .getFirst()
                .getSchema()
                .getOpenAPIV3Schema()
                .getXKubernetesValidations()
                .getFirst();
        var ast = CelCompilerFactory.standardCelCompilerBuilder()
                .addVar("self", SimpleType.DYN)
                .setResultType(SimpleType.BOOL)
                .build()
                .compile(rule.getRule())
                .getAst();
        var program = CelRuntimeFactory.standardCelRuntimeBuilder().build().createProgram(ast);

        assertThat(program.eval(Map.of("self", Map.of("metadata", Map.of("name", "t".repeat(63))))))
                .isEqualTo(true);
        assertThat(program.eval(Map.of("self", Map.of("metadata", Map.of("name", "t".repeat(64))))))
                .isEqualTo(false);
        assertThat(rule.getMessage()).contains("at most 63 characters", "corridor.dev/tunnel");
    }

    private static JSONSchemaProps schema() throws Exception {
        return crd().getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();
    }

    private static CustomResourceDefinition crd() throws Exception {
        try (InputStream in = Files.newInputStream(GENERATED)) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }
}
