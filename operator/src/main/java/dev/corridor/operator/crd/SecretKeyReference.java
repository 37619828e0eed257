package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One key of a Secret in the tunnel's namespace. */
public record SecretKeyReference(
        @Required
        @Size(max = SchemaBounds.OBJECT_NAME_LENGTH)
        @Pattern(SchemaBounds.OBJECT_NAME)
        @JsonPropertyDescription("The Secret's name.")
        String name,

        @Required
        @Size(max = SchemaBounds.KEY_LENGTH)
        @Pattern(SchemaBounds.KEY)
        @JsonPropertyDescription("The key within it.")
        String key) {}
