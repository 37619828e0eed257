package dev.corridor.operator.crd;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A schema node as the API server shows it to CEL, with the bounds its cost estimator uses: a port of
 * {@code SchemaDeclType} and the size estimates of k8s.io/apiserver/pkg/cel/common/schemas.go.
 *
 * @param maxElements        the longest string (in bytes: maxLength times 4) or the most items, properties or entries
 * @param bounded            whether the schema bounds it (maxLength, enum, maxItems, maxProperties) rather than the
 *                           request size
 * @param minSerializedSize  the fewest bytes the value takes in a request, which bounds how many fit in one
 */
record CelDecl(
        CelType type,
        long maxElements,
        boolean bounded,
        long minSerializedSize,
        Map<String, CelDecl> fields,
        CelDecl element) {
    /** The apiserver's maximum request size, 3 MiB (k8s.io/apiserver/pkg/apis/cel/config.go). */
    static final long MAX_REQUEST_SIZE_BYTES = 3L * 1024 * 1024;
    /** What the estimator assumes for a string without maxLength: the whole request, less its quotes. */
    static final long UNBOUNDED_STRING = MAX_REQUEST_SIZE_BYTES - 2;

    private static final long MIN_STRING_SIZE = 2;
    private static final long MIN_INT_SIZE = 1;
    private static final long MIN_BOOL_SIZE = 4;
    private static final long MIN_DOUBLE_SIZE = 1;

    /** The CEL types of a rule's {@code self}, and the struct types a compiler needs to resolve its fields. */
    @SuppressWarnings("Immutable") // filled while the schema is walked, before any compiler sees it; read-only after
    static final class Types implements CelTypeProvider {
        private final Map<String, CelType> structs = new LinkedHashMap<>();

        @Override
        public com.google.common.collect.ImmutableCollection<CelType> types() {
            return com.google.common.collect.ImmutableList.copyOf(structs.values());
        }

        @Override
        public Optional<CelType> findType(String name) {
            return Optional.ofNullable(structs.get(name));
        }

        /** The declaration of a node; {@code resourceRoot} adds apiVersion, kind and metadata.name/generateName. */
        CelDecl declare(JSONSchemaProps schema, String path, boolean resourceRoot) {
            if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
                long max = schema.getMaxLength() != null ? schema.getMaxLength() * 4 : UNBOUNDED_STRING;
                return new CelDecl(SimpleType.DYN, max, schema.getMaxLength() != null, 1, Map.of(), null);
            }
            Map<String, JSONSchemaProps> properties =
                    new LinkedHashMap<>(schema.getProperties() == null ? Map.of() : schema.getProperties());
            if (resourceRoot) {
                JSONSchemaProps string = new JSONSchemaProps();
                string.setType("string");
                JSONSchemaProps metadata = new JSONSchemaProps();
                metadata.setType("object");
                metadata.setProperties(Map.of("name", string, "generateName", string));
                properties.put("apiVersion", string);
                properties.put("kind", string);
                properties.put("metadata", metadata);
            }
            String type = schema.getType() == null ? "" : schema.getType();
            switch (type) {
                case "array" -> {
                    CelDecl items = declare(schema.getItems().getSchema(), path + ".@items", false);
                    long max = schema.getMaxItems() != null
                            ? schema.getMaxItems()
                            : (MAX_REQUEST_SIZE_BYTES - 2) / (items.minSerializedSize + 1);
                    return new CelDecl(
                            ListType.create(items.type), max, schema.getMaxItems() != null, 2, Map.of(), items);
                }
                case "object" -> {
                    if (schema.getAdditionalProperties() != null
                            && schema.getAdditionalProperties().getSchema() != null) {
                        CelDecl values =
                                declare(schema.getAdditionalProperties().getSchema(), path + ".@values", false);
                        long max = schema.getMaxProperties() != null
                                ? schema.getMaxProperties()
                                : (MAX_REQUEST_SIZE_BYTES - 2) / (values.minSerializedSize + 6);
                        return new CelDecl(
                                MapType.create(SimpleType.STRING, values.type),
                                max,
                                schema.getMaxProperties() != null,
                                2,
                                Map.of(),
                                values);
                    }
                    List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
                    Map<String, CelDecl> fields = new LinkedHashMap<>();
                    long minSize = 2;
                    for (Map.Entry<String, JSONSchemaProps> property : properties.entrySet()) {
                        CelDecl field = declare(property.getValue(), path + "." + property.getKey(), false);
                        fields.put(property.getKey(), field);
                        if (required.contains(property.getKey())
                                && property.getValue().getDefault() == null) {
                            minSize += property.getKey().length() + field.minSerializedSize + 4;
                        }
                    }
                    String name = "selfType" + path.replace("@", "");
                    Map<String, CelType> collected = new LinkedHashMap<>();
                    fields.forEach((field, decl) -> collected.put(field, decl.type));
                    ImmutableMap<String, CelType> fieldTypes = ImmutableMap.copyOf(collected);
                    StructType struct = StructType.create(
                            name,
                            ImmutableSet.copyOf(fieldTypes.keySet()),
                            field -> Optional.ofNullable(fieldTypes.get(field)));
                    structs.put(name, struct);
                    return new CelDecl(struct, 0, true, minSize, fields, null);
                }
                case "string" -> {
                    if (schema.getFormat() != null && !schema.getFormat().isEmpty()) {
                        throw new IllegalArgumentException(
                                path + ": string format '" + schema.getFormat()
                                        + "' is typed differently in CEL (bytes, duration, timestamp); this port does not model it yet");
                    }
                    long max;
                    if (schema.getMaxLength() != null) {
                        max = schema.getMaxLength() * 4;
                    } else if (schema.getEnum() != null && !schema.getEnum().isEmpty()) {
                        max = schema.getEnum().stream()
                                .mapToLong(value -> value.asText().length())
                                .max()
                                .orElse(0);
                    } else {
                        max = UNBOUNDED_STRING;
                    }
                    return new CelDecl(
                            SimpleType.STRING, max, max != UNBOUNDED_STRING, MIN_STRING_SIZE, Map.of(), null);
                }
                case "boolean" -> {
                    return new CelDecl(SimpleType.BOOL, 0, true, MIN_BOOL_SIZE, Map.of(), null);
                }
                case "number" -> {
                    return new CelDecl(SimpleType.DOUBLE, 0, true, MIN_DOUBLE_SIZE, Map.of(), null);
                }
                case "integer" -> {
                    return new CelDecl(SimpleType.INT, 0, true, MIN_INT_SIZE, Map.of(), null);
                }
                default -> throw new IllegalArgumentException(path + ": no type, so CEL cannot see it");
            }
        }
    }

    /** The node a cost-estimator path leads to (its first element is the variable, then fields, {@code @items}...). */
    Optional<CelDecl> at(List<String> path) {
        CelDecl node = this;
        for (String step : path.subList(1, path.size())) {
            node = switch (step) {
                case "@items", "@values" -> node.element;
                case "@keys", "@indices" -> null; // the apiserver's DeclTypes for maps give keys no bound either
                default -> node.fields.get(step);
            };
            if (node == null) {
                return Optional.empty();
            }
        }
        return Optional.of(node);
    }

    static List<String> append(List<String> path, String step) {
        List<String> longer = new ArrayList<>(path);
        longer.add(step);
        return longer;
    }
}
