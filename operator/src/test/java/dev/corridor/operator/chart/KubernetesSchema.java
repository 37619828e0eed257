package dev.corridor.operator.chart;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchCondition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a rendered object as the API server's OpenAPI schema (Kubernetes 1.29) would, without a cluster, through
 * fabric8's typed model of that API:
 *
 * <ul>
 *   <li>its apiVersion and kind are a type the model knows (else it is no built-in API);</li>
 *   <li>every field is one the type has: fabric8 keeps an unknown field in {@code additionalProperties} instead of
 *       failing, so a misspelt or misplaced field is found there, by its path;</li>
 *   <li>every value has the field's type: the object written back from the model must equal what was rendered (a
 *       string where the API has an integer, which Jackson would coerce and the API server refuses, differs);</li>
 *   <li>the fields the schema requires are there ({@link #REQUIRED}, the "required" lists of the 1.29 OpenAPI
 *       definitions for the types the chart renders).</li>
 * </ul>
 *
 * What the schema alone does not say (enumerated string values, formats, cross-field validation) is left to the
 * chart tests of each object.
 */
final class KubernetesSchema {
    /** The required properties of the types the chart renders, from the OpenAPI definitions of Kubernetes 1.29. */
    static final Map<Class<?>, List<String>> REQUIRED = Map.ofEntries(
            Map.entry(PodSpec.class, List.of("containers")),
            Map.entry(Container.class, List.of("name")),
            Map.entry(ContainerPort.class, List.of("containerPort")),
            Map.entry(EnvVar.class, List.of("name")),
            Map.entry(ObjectFieldSelector.class, List.of("fieldPath")),
            Map.entry(VolumeMount.class, List.of("name", "mountPath")),
            Map.entry(Volume.class, List.of("name")),
            Map.entry(HTTPGetAction.class, List.of("port")),
            Map.entry(SeccompProfile.class, List.of("type")),
            Map.entry(DeploymentSpec.class, List.of("selector", "template")),
            Map.entry(LabelSelectorRequirement.class, List.of("key", "operator")),
            Map.entry(NodeSelectorRequirement.class, List.of("key", "operator")),
            Map.entry(PodAffinityTerm.class, List.of("topologyKey")),
            Map.entry(WeightedPodAffinityTerm.class, List.of("weight", "podAffinityTerm")),
            Map.entry(ServicePort.class, List.of("port")),
            Map.entry(PolicyRule.class, List.of("verbs")),
            Map.entry(RoleRef.class, List.of("apiGroup", "kind", "name")),
            Map.entry(Subject.class, List.of("kind", "name")),
            Map.entry(RoleBinding.class, List.of("roleRef")),
            Map.entry(ClusterRoleBinding.class, List.of("roleRef")),
            Map.entry(MutatingWebhook.class, List.of("name", "clientConfig", "sideEffects", "admissionReviewVersions")),
            Map.entry(ServiceReference.class, List.of("namespace", "name")),
            Map.entry(MatchCondition.class, List.of("name", "expression")),
            Map.entry(NetworkPolicySpec.class, List.of("podSelector")),
            Map.entry(IPBlock.class, List.of("cidr")));
    /** Leaf values: their JSON form is a scalar, checked by the round trip. */
    private static final Set<Class<?>> SCALARS = Set.of(Quantity.class, IntOrString.class);

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** For the models' properties: their Jackson annotations name them as the API does. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubernetesSchema() {}

    /** What is wrong with this rendered object, each naming the object and the field; empty when nothing is. */
    static List<String> problems(ObjectNode document) {
        String name = document.path("kind").asText() + "/"
                + document.path("metadata").path("name").asText();
        List<String> problems = new ArrayList<>();
        HasMetadata typed;
        try {
            typed = SERIALIZATION.unmarshal(document.toString());
        } catch (RuntimeException e) {
            return List.of(name + ": does not fit the API's types: " + e.getMessage());
        }
        if (typed instanceof GenericKubernetesResource) {
            return List.of(name + ": " + document.path("apiVersion").asText() + " "
                    + document.path("kind").asText() + " is no Kubernetes API");
        }
        if (document.path("metadata").path("name").asText().isEmpty()) {
            problems.add(name + ": metadata.name is missing");
        }
        walk(typed, "", name, problems);
        JsonNode written = SERIALIZATION.convertValue(typed, JsonNode.class);
        difference(document, written, "")
                .ifPresent(
                        path -> problems.add(name + ": " + path + " does not have the type the API gives that field"));
        return problems;
    }

    /** Every model object under this one: its unknown fields, and its missing required ones. */
    private static void walk(Object value, String path, String name, List<String> problems) {
        if (value == null || SCALARS.contains(value.getClass())) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", name, problems);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, path + "." + key, name, problems));
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        BeanDescription bean = JSON.getSerializationConfig().introspect(JSON.constructType(value.getClass()));
        for (BeanPropertyDefinition property : bean.findProperties()) {
            if (property.getName().equals("additionalProperties") || property.getAccessor() == null) {
                continue;
            }
            walk(property.getAccessor().getValue(value), join(path, property.getName()), name, problems);
        }
        Map<String, Object> unknown = additionalProperties(value);
        unknown.keySet()
                .forEach(field -> problems.add(name + ": " + join(path, field) + " is not a field of "
                        + value.getClass().getSimpleName()));
        JsonNode node = SERIALIZATION.convertValue(value, JsonNode.class);
        REQUIRED.getOrDefault(value.getClass(), List.of()).stream()
                .filter(field ->
                        node.path(field).isMissingNode() || node.path(field).isNull())
                .forEach(field -> problems.add(name + ": " + join(path, field) + " is required ("
                        + value.getClass().getSimpleName() + ")"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> additionalProperties(Object value) {
        try {
            Object properties =
                    value.getClass().getMethod("getAdditionalProperties").invoke(value);
            return properties == null ? Map.of() : (Map<String, Object>) properties;
        } catch (ReflectiveOperationException e) {
            return Map.of();
        }
    }

    /**
     * The first path where the object written back from the model differs from the rendered one. A number where the
     * model writes a quantity's string is the same value (the API server reads both).
     */
    private static Optional<String> difference(JsonNode rendered, JsonNode written, String path) {
        if (rendered.isObject() && written.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = rendered.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue().isNull()) {
                    continue;
                }
                Optional<String> inner =
                        difference(field.getValue(), written.path(field.getKey()), join(path, field.getKey()));
                if (inner.isPresent()) {
                    return inner;
                }
            }
            return Optional.empty();
        }
        if (rendered.isArray() && written.isArray() && rendered.size() == written.size()) {
            for (int i = 0; i < rendered.size(); i++) {
                Optional<String> inner = difference(rendered.get(i), written.get(i), path + "[" + i + "]");
                if (inner.isPresent()) {
                    return inner;
                }
            }
            return Optional.empty();
        }
        // Numbers by value: the model's int64 fields are written as longs, the JSON read as ints.
        boolean sameNumber = rendered.isNumber()
                && written.isNumber()
                && rendered.decimalValue().compareTo(written.decimalValue()) == 0;
        boolean sameQuantity =
                rendered.isNumber() && written.isTextual() && written.asText().equals(rendered.asText());
        // The model leaves out what is empty; the API server reads an empty object or list as none too.
        boolean emptyLeftOut = rendered.isContainerNode() && rendered.isEmpty() && written.isMissingNode();
        return rendered.equals(written) || sameNumber || sameQuantity || emptyLeftOut
                ? Optional.empty()
                : Optional.of(path);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
