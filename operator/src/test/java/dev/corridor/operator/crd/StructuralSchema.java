package dev.corridor.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a v1 CRD's schema must follow for the API server to accept it (a structural schema,
 * k8s.io/apiextensions-apiserver/pkg/apiserver/schema), and Corridor's own: every string, list and map bounded.
 */
final class StructuralSchema {
    private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean");
    private static final Set<String> STRING_FORMATS = Set.of(
            "",
            "byte",
            "date",
            "date-time",
            "duration",
            "int-or-string",
            "uri",
            "email",
            "hostname",
            "ipv4",
            "ipv6",
            "cidr",
            "uuid",
            "password",
            "mac",
            "isbn",
            "creditcard",
            "ssn",
            "hexcolor",
            "rgbcolor");

    private final List<String> violations = new ArrayList<>();

    private StructuralSchema() {}

    /** What keeps the schema from being structural, each naming the node; empty when nothing does. */
    static List<String> violations(JSONSchemaProps root) {
        StructuralSchema check = new StructuralSchema();
        if (!"object".equals(root.getType())) {
            check.violations.add("openAPIV3Schema: the root must be of type object");
        }
        if (root.getProperties() != null && root.getProperties().containsKey("metadata")) {
            JSONSchemaProps metadata = root.getProperties().get("metadata");
            if (metadata.getProperties() != null
                    && !Set.of("name", "generateName")
                            .containsAll(metadata.getProperties().keySet())) {
                check.violations.add("openAPIV3Schema.metadata: only name and generateName may be restricted");
            }
        }
        check.node(root, "openAPIV3Schema");
        return check.violations;
    }

    /** Strings without maxLength (or enum), lists without maxItems and maps without maxProperties. */
    static List<String> unbounded(JSONSchemaProps schema, String location) {
        List<String> found = new ArrayList<>();
        if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
            // The generator cannot put maxLength beside x-kubernetes-int-or-string; no rule reads these values, and
            // CrdAdmission fails should one start to.
            return found;
        }
        if ("string".equals(schema.getType())
                && schema.getMaxLength() == null
                && (schema.getEnum() == null || schema.getEnum().isEmpty())) {
            found.add(location + ": a string without maxLength");
        }
        if ("array".equals(schema.getType()) && schema.getMaxItems() == null) {
            found.add(location + ": a list without maxItems");
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() != null
                && schema.getMaxProperties() == null) {
            found.add(location + ": a map without maxProperties");
        }
        if (schema.getProperties() != null) {
            schema.getProperties()
                    .forEach((name, property) -> found.addAll(unbounded(property, location + "." + name)));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            found.addAll(unbounded(schema.getItems().getSchema(), location + "[*]"));
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() != null) {
            found.addAll(unbounded(schema.getAdditionalProperties().getSchema(), location + "{*}"));
        }
        return found;
    }

    private void node(JSONSchemaProps schema, String location) {
        boolean intOrString = Boolean.TRUE.equals(schema.getXKubernetesIntOrString());
        boolean preserveUnknown = Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields());
        if (intOrString) {
            intOrString(schema, location);
        } else if (schema.getType() == null || schema.getType().isEmpty()) {
            if (!preserveUnknown) {
                violations.add(
                        location
                                + ": no type (only x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields may omit it)");
            }
        } else if (!TYPES.contains(schema.getType())) {
            violations.add(location + ": unknown type '" + schema.getType() + "'");
        }
        if (Boolean.FALSE.equals(schema.getXKubernetesPreserveUnknownFields())) {
            violations.add(location + ": x-kubernetes-preserve-unknown-fields must be true or absent");
        }
        if (schema.getProperties() != null
                && !schema.getProperties().isEmpty()
                && schema.getAdditionalProperties() != null) {
            violations.add(location + ": properties and additionalProperties are mutually exclusive");
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() == null) {
            violations.add(location + ": additionalProperties must be a schema (false is forbidden)");
        }
        if ("array".equals(schema.getType())
                && (schema.getItems() == null || schema.getItems().getSchema() == null)) {
            violations.add(location + ": an array needs items, one schema");
        }
        if (Boolean.TRUE.equals(schema.getUniqueItems())) {
            violations.add(location + ": uniqueItems must not be true (quadratic to check)");
        }
        if (schema.get$ref() != null
                || (schema.getDefinitions() != null && !schema.getDefinitions().isEmpty())
                || (schema.getPatternProperties() != null
                        && !schema.getPatternProperties().isEmpty())
                || (schema.getDependencies() != null
                        && !schema.getDependencies().isEmpty())) {
            violations.add(location + ": $ref, definitions, patternProperties and dependencies are forbidden");
        }
        if ("string".equals(schema.getType())
                && schema.getFormat() != null
                && !STRING_FORMATS.contains(schema.getFormat())) {
            violations.add(location + ": unknown string format '" + schema.getFormat() + "'");
        }
        if (Boolean.TRUE.equals(schema.getXKubernetesEmbeddedResource())
                && (!"object".equals(schema.getType()) || (schema.getProperties() == null && !preserveUnknown))) {
            violations.add(
                    location
                            + ": x-kubernetes-embedded-resource needs type object, and properties or x-kubernetes-preserve-unknown-fields");
        }
        if (schema.getDefault() != null) {
            defaults(schema.getDefault(), schema, location + ".default");
        }
        for (JSONSchemaProps junctor : junctors(schema)) {
            junctor(junctor, location);
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> node(property, location + "." + name));
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            node(schema.getItems().getSchema(), location + ".items");
        }
        if (schema.getAdditionalProperties() != null
                && schema.getAdditionalProperties().getSchema() != null) {
            node(schema.getAdditionalProperties().getSchema(), location + ".additionalProperties");
        }
    }

    /** The one shape of x-kubernetes-int-or-string: no type, anyOf integer or string. */
    private void intOrString(JSONSchemaProps schema, String location) {
        if (schema.getType() != null && !schema.getType().isEmpty()) {
            violations.add(location + ": x-kubernetes-int-or-string must not have a type");
        }
        List<JSONSchemaProps> anyOf = schema.getAnyOf();
        if (anyOf != null
                && !anyOf.isEmpty()
                && !(anyOf.size() == 2
                        && "integer".equals(anyOf.get(0).getType())
                        && "string".equals(anyOf.get(1).getType()))) {
            violations.add(
                    location + ": x-kubernetes-int-or-string takes anyOf: [{type: integer}, {type: string}] alone");
        }
    }

    /** Inside anyOf, allOf, oneOf and not only value validations may appear: no types, defaults or descriptions. */
    private void junctor(JSONSchemaProps schema, String location) {
        boolean intOrStringBranch =
                schema.getType() != null && Set.of("integer", "string").contains(schema.getType());
        if (schema.getType() != null && !intOrStringBranch) {
            violations.add(location + ": a type inside anyOf/allOf/oneOf/not");
        }
        if (schema.getDefault() != null
                || schema.getDescription() != null
                || schema.getAdditionalProperties() != null
                || schema.getXKubernetesPreserveUnknownFields() != null
                || (schema.getXKubernetesValidations() != null
                        && !schema.getXKubernetesValidations().isEmpty())) {
            violations.add(location
                    + ": default, description, additionalProperties or x-kubernetes-* inside anyOf/allOf/oneOf/not");
        }
        for (JSONSchemaProps nested : junctors(schema)) {
            junctor(nested, location);
        }
    }

    private static List<JSONSchemaProps> junctors(JSONSchemaProps schema) {
        List<JSONSchemaProps> all = new ArrayList<>();
        for (List<JSONSchemaProps> list : new ArrayList<List<JSONSchemaProps>>(
                java.util.Arrays.asList(schema.getAnyOf(), schema.getAllOf(), schema.getOneOf()))) {
            if (list != null) {
                all.addAll(list);
            }
        }
        if (schema.getNot() != null) {
            all.add(schema.getNot());
        }
        return all;
    }

    /** A default must validate against its own schema, and keep nothing that pruning would drop. */
    private void defaults(JsonNode value, JSONSchemaProps schema, String location) {
        String type = schema.getType() == null ? "" : schema.getType();
        boolean typed = switch (type) {
            case "string" -> value.isTextual();
            case "boolean" -> value.isBoolean();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "array" -> value.isArray();
            case "object" -> value.isObject();
            default -> true;
        };
        if (!typed) {
            violations.add(location + ": " + value + " is not of type " + type);
            return;
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (schema.getMaxLength() != null && text.codePointCount(0, text.length()) > schema.getMaxLength()) {
                violations.add(location + ": '" + text + "' is longer than maxLength " + schema.getMaxLength());
            }
            if (schema.getPattern() != null
                    && !Pattern.compile(schema.getPattern()).matcher(text).find()) {
                violations.add(location + ": '" + text + "' does not match the pattern " + schema.getPattern());
            }
        }
        if (value.isNumber()
                && ((schema.getMinimum() != null && value.asDouble() < schema.getMinimum())
                        || (schema.getMaximum() != null && value.asDouble() > schema.getMaximum()))) {
            violations.add(location + ": " + value + " is outside " + schema.getMinimum() + ".." + schema.getMaximum());
        }
        if (schema.getEnum() != null
                && !schema.getEnum().isEmpty()
                && !schema.getEnum().contains(value)) {
            violations.add(location + ": " + value + " is not one of " + schema.getEnum());
        }
        if (value.isArray()) {
            if (schema.getMaxItems() != null && value.size() > schema.getMaxItems()) {
                violations.add(location + ": more items than maxItems " + schema.getMaxItems());
            }
            for (int i = 0; i < value.size(); i++) {
                defaults(value.get(i), schema.getItems().getSchema(), location + "[" + i + "]");
            }
        }
        if (value.isObject()) {
            Map<String, JSONSchemaProps> properties =
                    schema.getProperties() == null ? Map.of() : schema.getProperties();
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JSONSchemaProps property = properties.get(field.getKey());
                if (property == null
                        && schema.getAdditionalProperties() != null
                        && schema.getAdditionalProperties().getSchema() != null) {
                    property = schema.getAdditionalProperties().getSchema();
                }
                if (property == null && !Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields())) {
                    violations.add(location + "." + field.getKey() + ": a default with a field the schema prunes");
                } else if (property != null) {
                    defaults(field.getValue(), property, location + "." + field.getKey());
                }
            }
            for (String required : schema.getRequired() == null ? List.<String>of() : schema.getRequired()) {
                if (!value.has(required)) {
                    violations.add(location + ": the default lacks the required field " + required);
                }
            }
        }
    }
}
