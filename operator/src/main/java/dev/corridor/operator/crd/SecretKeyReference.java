package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One key of a Secret in the tunnel's namespace. */
public record SecretKeyReference(
        @Required
        @Size(max = 253)
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("The Secret's name.")
        String name,

        @Required @Size(max = 253) @Pattern("^[-._a-zA-Z0-9]+$") @JsonPropertyDescription("The key within it.")
        String key) {}
