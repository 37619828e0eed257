package dev.corridor.operator.crd;

import static dev.corridor.operator.crd.SchemaBounds.QUANTITY_LENGTH;
import static dev.corridor.operator.crd.SchemaBounds.RESOURCE_KINDS;

import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;

/**
 * The schema of {@code spec.sidecar.resources}: a container's limits and requests, bounded. The spec keeps Fabric8's
 * ResourceRequirements as its Java type; its resource claims (dynamic resource allocation) are not offered.
 */
record SidecarResourcesSchema(
        @Size(max = RESOURCE_KINDS) Map<String, @Size(max = QUANTITY_LENGTH) IntOrString> limits,
        @Size(max = RESOURCE_KINDS) Map<String, @Size(max = QUANTITY_LENGTH) IntOrString> requests) {}
