package dev.corridor.operator.crd;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the API server checks in a CRD's CEL rules before it stores the CRD, without an API server: each rule and
 * message expression compiles against the types the schema gives {@code self}, every size its estimated cost depends
 * on is bounded by the schema, the cost (times the most instances of the node: the product of the enclosing lists'
 * maxItems and maps' maxProperties) stays under the per-rule limit, and all of them together under the per-CRD limit
 * (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation).
 */
final class CrdAdmission {
    /** StaticEstimatedCostLimit: one rule, times its cardinality. */
    static final long RULE_COST_LIMIT = 10_000_000L;
    /** StaticEstimatedCRDCostLimit: every rule of the CRD together. */
    static final long CRD_COST_LIMIT = 100_000_000L;

    /** One rule's estimate: its cost per evaluation, and how many instances of its node one object may hold. */
    record RuleCost(String location, String expression, long cost, long cardinality) {
        long total() {
            return CelCost.Range.multiply(cost, cardinality);
        }

        @Override
        public String toString() {
            return location + " `" + expression + "`: " + Long.toUnsignedString(cost) + " x "
                    + Long.toUnsignedString(cardinality) + " = " + Long.toUnsignedString(total());
        }
    }

    record Result(List<RuleCost> rules, List<String> errors) {
        long totalCost() {
            return rules.stream().mapToLong(RuleCost::total).reduce(0, CelCost.Range::add);
        }
    }

    private final List<RuleCost> rules = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();

    private CrdAdmission() {}

    static Result check(JSONSchemaProps root) {
        CrdAdmission admission = new CrdAdmission();
        admission.walk(root, "openAPIV3Schema", 1, true);
        Result result = new Result(List.copyOf(admission.rules), admission.errors);
        if (Long.compareUnsigned(result.totalCost(), CRD_COST_LIMIT) > 0) {
            admission.errors.add("total CRD cost " + Long.toUnsignedString(result.totalCost())
                    + " exceeds the limit of " + CRD_COST_LIMIT);
        }
        return new Result(result.rules, List.copyOf(admission.errors));
    }

    private void walk(JSONSchemaProps schema, String location, long cardinality, boolean resourceRoot) {
        List<ValidationRule> validations =
                schema.getXKubernetesValidations() == null ? List.of() : schema.getXKubernetesValidations();
        for (int i = 0; i < validations.size(); i++) {
            ValidationRule validation = validations.get(i);
            String at = location + ".x-kubernetes-validations[" + i + "]";
            rule(schema, at + ".rule", validation.getRule(), cardinality, resourceRoot, false);
            if (validation.getMessageExpression() != null) {
                rule(
                        schema,
                        at + ".messageExpression",
                        validation.getMessageExpression(),
                        cardinality,
                        resourceRoot,
                        true);
            }
            if (validation.getFieldPath() != null && !resolves(schema, validation.getFieldPath())) {
                errors.add(at + ".fieldPath '" + validation.getFieldPath() + "' names no property of the schema at "
                        + location);
            }
        }
        if (schema.getProperties() != null) {
            schema.getProperties()
                    .forEach((name, property) -> walk(property, location + "." + name, cardinality, false));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            long items = schema.getMaxItems() != null ? schema.getMaxItems() : derivedCount(schema);
            walk(schema.getItems().getSchema(), location + "[*]", CelCost.Range.multiply(cardinality, items), false);
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() != null) {
            long properties = schema.getMaxProperties() != null ? schema.getMaxProperties() : derivedCount(schema);
            walk(
                    schema.getAdditionalProperties().getSchema(),
                    location + "{*}",
                    CelCost.Range.multiply(cardinality, properties),
                    false);
        }
    }

    /** Without maxItems or maxProperties, the apiserver estimates how many of the smallest values fit in one request. */
    private static long derivedCount(JSONSchemaProps schema) {
        return new CelDecl.Types().declare(schema, "", false).maxElements();
    }

    private void rule(
            JSONSchemaProps schema,
            String location,
            String expression,
            long cardinality,
            boolean resourceRoot,
            boolean message) {
        CelDecl.Types types = new CelDecl.Types();
        CelDecl self = types.declare(schema, "", resourceRoot);
        CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .setTypeProvider(types)
                .addVar("self", self.type())
                .addVar("oldSelf", self.type())
                .setResultType(message ? SimpleType.STRING : SimpleType.BOOL)
                .build();
        CelAbstractSyntaxTree ast;
        try {
            ast = compiler.compile(expression).getAst();
        } catch (CelValidationException e) {
            errors.add(location + " does not compile: " + e.getMessage());
            return;
        }
        CelCost.Estimate estimate = CelCost.estimate(ast, self);
        RuleCost cost = new RuleCost(location, expression, estimate.cost().max(), cardinality);
        rules.add(cost);
        for (Map.Entry<String, CelDecl> read : estimate.sized().entrySet()) {
            if (!read.getValue().bounded()) {
                errors.add(location + " reads " + read.getKey()
                        + ", whose size the schema does not bound (maxLength, maxItems or maxProperties)");
            }
        }
        if (Long.compareUnsigned(cost.total(), RULE_COST_LIMIT) > 0) {
            errors.add(location + ": estimated rule cost " + Long.toUnsignedString(cost.total())
                    + " exceeds the limit of " + RULE_COST_LIMIT);
        }
    }

    /** A rule's fieldPath: dotted property names (or ['name']) relative to the rule's node. */
    private static boolean resolves(JSONSchemaProps schema, String fieldPath) {
        JSONSchemaProps node = schema;
        for (String step :
                fieldPath.replaceAll("\\['([^']*)'\\]", ".$1").substring(1).split("\\.")) {
            node = node.getProperties() == null ? null : node.getProperties().get(step);
            if (node == null) {
                return false;
            }
        }
        return true;
    }
}
