package dev.corridor.operator.crd;

import static dev.corridor.operator.crd.SchemaBounds.OBJECT_NAME;
import static dev.corridor.operator.crd.SchemaBounds.OBJECT_NAME_LENGTH;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret, in the pod's namespace, that the kubelet uses to pull the sidecar image. */
public record ImagePullSecret(
        @Required @Pattern(OBJECT_NAME) @Size(max = OBJECT_NAME_LENGTH)
        String name) {}
