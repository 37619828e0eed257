package dev.corridor.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A certificate and its key in a Secret of type kubernetes.io/tls (keys tls.crt and tls.key), as cert-manager issues
 * and renews it; the sidecar reads it again at every login.
 */
public record TlsSecretReference(
        @Required
        @Size(max = SchemaBounds.OBJECT_NAME_LENGTH)
        @Pattern(SchemaBounds.OBJECT_NAME)
        @JsonPropertyDescription(
                "The name of a kubernetes.io/tls Secret in the tunnel's namespace: tls.crt (PEM, the certificate "
                        + "first, then its chain) and tls.key (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted).")
        String secretName) {
    public static final String CERTIFICATE_KEY = "tls.crt";
    public static final String PRIVATE_KEY_KEY = "tls.key";
}
