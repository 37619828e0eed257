package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.OwnedObjects;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.StatusToken;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.security.SecureRandom;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tunnel's status-token Secret: created once with a fresh token, then only read, so the token the pods mounted
 * stays the one the operator presents. Needs {@code get} and {@code create} on Secrets and nothing more: it neither
 * lists nor watches them, and never rewrites one.
 */
final class StatusTokens {
    private static final Logger LOG = LoggerFactory.getLogger(StatusTokens.class);

    private final KubernetesClient client;
    private final SecureRandom random = new SecureRandom();

    StatusTokens(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The tunnel's token, its Secret made first when there is none. Empty when the Secret of that name is not the
     * operator's or holds no token: {@code TunnelLookup} reports that in the tunnel's status.
     */
    Optional<String> token(VpnTunnel tunnel) {
        String name = SidecarLayout.statusTokenSecretName(tunnel.getMetadata().getName());
        Resource<Secret> resource = client.secrets()
                .inNamespace(tunnel.getMetadata().getNamespace())
                .withName(name);
        Secret secret = resource.get();
        if (secret == null) {
            try {
                secret = client.resource(StatusToken.secret(tunnel, StatusToken.generate(random)))
                        .create();
                LOG.info(
                        "created the status token of VpnTunnel {}/{} in Secret {}",
                        tunnel.getMetadata().getNamespace(),
                        tunnel.getMetadata().getName(),
                        name);
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                secret = resource.get(); // made in the meantime, by an earlier leader or by someone else
            }
        }
        if (secret == null || OwnedObjects.notOwned(secret, tunnel).isPresent()) {
            return Optional.empty();
        }
        return StatusToken.read(secret);
    }
}
