package dev.corridor.operator.webhook;

import dev.corridor.operator.model.OwnedObjects;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates the operator makes itself ({@link WebhookCertificates}), kept in a Secret in its namespace so every
 * replica serves the same one and a restart does not change it. Before a replica serves a certificate, it makes sure
 * the MutatingWebhookConfiguration's caBundle trusts its CA: a new CA is published before anything it signed is used.
 */
public final class GeneratedCertificates implements CertificateSource {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratedCertificates.class);
    static final String CA_CERTIFICATES = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CERTIFICATE = "tls.crt";
    static final String TLS_KEY = "tls.key";

    private final KubernetesClient client;
    private final String namespace;
    private final WebhookSettings settings;
    private final SwappableKeyManager keyManager;
    private final Clock clock;

    GeneratedCertificates(KubernetesClient client, String namespace, WebhookSettings settings, SwappableKeyManager keyManager, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.settings = settings;
        this.keyManager = keyManager;
        this.clock = clock;
    }

    /** The names the API server uses to reach the webhook through its Service. */
    List<String> dnsNames() {
        String service = settings.serviceName() + "." + namespace + ".svc";
        return List.of(service, service + ".cluster.local");
    }

    @Override
    public void refresh() throws IOException {
        WebhookCertificates certificates = current();
        publishCaBundle(certificates);
        keyManager.use(certificates.servingCertificate());
    }

    /** The certificates in the Secret, made or renewed first when needed; another replica's concurrent write wins. */
    private WebhookCertificates current() throws IOException {
        Resource<Secret> resource = client.secrets().inNamespace(namespace).withName(settings.secretName());
        for (int attempt = 0; ; attempt++) {
            Secret secret = resource.get();
            Optional<WebhookCertificates> stored = secret == null ? Optional.empty() : read(secret);
            Optional<WebhookCertificates> replacement = stored.isEmpty()
                    ? Optional.of(WebhookCertificates.create(dnsNames(), clock.instant()))
                    : stored.get().renewal(dnsNames(), clock.instant());
            if (replacement.isEmpty()) {
                return stored.get();
            }
            try {
                Secret written = secret(replacement.get(), secret);
                if (secret == null) {
                    client.resource(written).create();
                    LOG.info("created the webhook CA and serving certificate in Secret {}/{}", namespace, settings.secretName());
                } else {
                    client.resource(written).update();
                    LOG.info("renewed the webhook certificates in Secret {}/{}", namespace, settings.secretName());
                }
                return replacement.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= 3) {
                    throw e;
                }
                LOG.debug("Secret {}/{} changed under us; reading it again", namespace, settings.secretName());
            }
        }
    }

    private Optional<WebhookCertificates> read(Secret secret) {
        Map<String, String> data = Optional.ofNullable(secret.getData()).orElse(Map.of());
        try {
            List<String> missing = List.of(CA_CERTIFICATES, CA_KEY, TLS_CERTIFICATE, TLS_KEY).stream().filter(k -> !data.containsKey(k)).toList();
            if (!missing.isEmpty()) {
                throw new IOException("missing " + String.join(", ", missing));
            }
            return Optional.of(new WebhookCertificates(Pem.certificates(decode(data.get(CA_CERTIFICATES))), Pem.privateKey(decode(data.get(CA_KEY))),
                    Pem.certificates(decode(data.get(TLS_CERTIFICATE))).getFirst(), Pem.privateKey(decode(data.get(TLS_KEY)))));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("Secret {}/{} does not hold usable webhook certificates ({}); replacing them", namespace, settings.secretName(), e.getMessage());
            return Optional.empty();
        }
    }

    private Secret secret(WebhookCertificates certificates, Secret existing) {
        SecretBuilder builder = existing == null
                ? new SecretBuilder().withNewMetadata().withName(settings.secretName()).withNamespace(namespace)
                        .addToLabels(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY).endMetadata().withType("kubernetes.io/tls")
                : new SecretBuilder(existing);
        return builder.withData(Map.of(
                CA_CERTIFICATES, encode(Pem.encode(certificates.authorities())),
                CA_KEY, encode(Pem.encode(List.of(certificates.authorityKey()))),
                TLS_CERTIFICATE, encode(Pem.encode(List.of(certificates.serving()))),
                TLS_KEY, encode(Pem.encode(List.of(certificates.servingKey())))))
                .build();
    }

    /** Sets every webhook's caBundle in the configuration to the CAs, when it is not that already. */
    private void publishCaBundle(WebhookCertificates certificates) {
        String bundle = encode(Pem.encode(certificates.authorities()));
        Resource<MutatingWebhookConfiguration> resource = client.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(settings.configurationName());
        MutatingWebhookConfiguration configuration = resource.get();
        if (configuration == null) {
            LOG.warn("MutatingWebhookConfiguration {} does not exist: the API server will not call this webhook", settings.configurationName());
            return;
        }
        List<MutatingWebhook> webhooks = Optional.ofNullable(configuration.getWebhooks()).orElse(List.of());
        if (webhooks.stream().allMatch(w -> w.getClientConfig() != null && Objects.equals(bundle, w.getClientConfig().getCaBundle()))) {
            return;
        }
        resource.edit(edited -> {
            edited.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(bundle));
            return edited;
        });
        LOG.info("published the webhook CA bundle to MutatingWebhookConfiguration {}", settings.configurationName());
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }
}
