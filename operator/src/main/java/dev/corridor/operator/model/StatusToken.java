package dev.corridor.operator.model;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * A tunnel's status token: the bearer token the sidecars of its pods demand on {@code /status} from any caller but
 * loopback, and the operator presents. One per tunnel, made once and kept: the pods mount it from the Secret.
 */
public final class StatusToken {
    private static final int BYTES = 32;

    private StatusToken() {}

    /** 32 random bytes, base64url without padding. */
    public static String generate(SecureRandom random) {
        byte[] bytes = new byte[BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The Secret the operator keeps for a tunnel, owned by it. */
    public static Secret secret(VpnTunnel tunnel, String token) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(
                        SidecarLayout.statusTokenSecretName(tunnel.getMetadata().getName()))
                .withNamespace(tunnel.getMetadata().getNamespace())
                .addToLabels(OwnedObjects.labels(tunnel))
                .addToOwnerReferences(OwnedObjects.ownerReference(tunnel))
                .endMetadata()
                .withType("Opaque")
                .addToData(
                        SidecarLayout.STATUS_TOKEN_KEY,
                        Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.US_ASCII)))
                .build();
    }

    /** The token a Secret holds, as the sidecar reads its file (surrounding whitespace stripped); empty when there is none. */
    public static Optional<String> read(Secret secret) {
        return Optional.ofNullable(secret.getData())
                .map(data -> data.get(SidecarLayout.STATUS_TOKEN_KEY))
                .map(base64 -> new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8).strip())
                .filter(token -> !token.isEmpty());
    }
}
