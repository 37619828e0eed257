package dev.corridor.operator.reconciler;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records Events on a VpnTunnel, for {@code kubectl describe vpnt} and event-based alerting; the webhook records some too. */
public final class TunnelEvents {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelEvents.class);
    static final String COMPONENT = "corridor-operator";

    private final KubernetesClient client;

    public TunnelEvents(KubernetesClient client) {
        this.client = client;
    }

    public void warning(VpnTunnel tunnel, String reason, String message) {
        record(tunnel, "Warning", reason, message);
    }

    public void normal(VpnTunnel tunnel, String reason, String message) {
        record(tunnel, "Normal", reason, message);
    }

    private void record(VpnTunnel tunnel, String type, String reason, String message) {
        String now = Instant.now().toString();
        var event = new EventBuilder()
                .withNewMetadata()
                .withName(tunnel.getMetadata().getName() + "."
                        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()))
                .withNamespace(tunnel.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(tunnel.getApiVersion())
                        .withKind(tunnel.getKind())
                        .withName(tunnel.getMetadata().getName())
                        .withNamespace(tunnel.getMetadata().getNamespace())
                        .withUid(tunnel.getMetadata().getUid())
                        .withResourceVersion(tunnel.getMetadata().getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
        try {
            client.v1()
                    .events()
                    .inNamespace(tunnel.getMetadata().getNamespace())
                    .resource(event)
                    .create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: the condition already carries the message.
            LOG.warn(
                    "could not record event {} on VpnTunnel {}/{}: {}",
                    reason,
                    tunnel.getMetadata().getNamespace(),
                    tunnel.getMetadata().getName(),
                    e.getMessage());
        }
    }
}
