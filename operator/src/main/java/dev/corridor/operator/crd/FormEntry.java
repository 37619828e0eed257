package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A fixed answer to one field of one login form (the sidecar's -F FORM:FIELD=VALUE); not for secrets, which belong in Secrets. */
public record FormEntry(
        @Required @Size(max = 64) @Pattern(NAME) @JsonPropertyDescription("The form's <auth id>: main, challenge, ...")
        String form,

        @Required
        @Size(max = 64)
        @Pattern(NAME)
        @JsonPropertyDescription("The input's name in that form, e.g. group_list or secondary_username.")
        String field,

        @Required
        @Size(max = 256)
        @JsonPropertyDescription("The answer. It is stored in the tunnel's ConfigMap: never a password.")
        String value) {
    /** Names of forms and fields as gateways use them; neither may hold the ':' and '=' of FORM:FIELD=VALUE. */
    public static final String NAME = "^[A-Za-z0-9_.-]+$";
}
