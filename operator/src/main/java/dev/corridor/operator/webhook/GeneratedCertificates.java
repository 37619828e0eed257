package dev.corridor.operator.webhook;

import dev.corridor.operator.model.OwnedObjects;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates the operator makes itself ({@link WebhookCertificates}), kept in two Secrets in its namespace so every
 * replica serves the same one and a restart does not change it: the CA and its key in one, the serving certificate
 * and its key in the other. Whoever may read the serving Secret (to debug TLS, say) cannot sign certificates the API
 * server would trust. Before a replica serves a certificate, it makes sure the MutatingWebhookConfiguration's
 * caBundle trusts its CA: a new CA is published before anything it signed is used.
 *
 * <p>Both Secrets are labelled as the operator's and owned by the webhook's Service, which the chart installs: when
 * {@code helm uninstall} removes the Service, the garbage collector removes them, and no CA key is left behind.
 */
public final class GeneratedCertificates implements CertificateSource {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratedCertificates.class);
    static final String CA_CERTIFICATES = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CERTIFICATE = "tls.crt";
    static final String TLS_KEY = "tls.key";
    /** Writes lost to another replica's are read again and redone this often before the refresh gives up until next time. */
    private static final int ATTEMPTS = 4;

    private final KubernetesClient client;
    private final String namespace;
    private final WebhookSettings settings;
    private final SwappableKeyManager keyManager;
    private final Clock clock;

    GeneratedCertificates(
            KubernetesClient client,
            String namespace,
            WebhookSettings settings,
            SwappableKeyManager keyManager,
            Clock clock) {
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
        publishCaBundle(certificates.authorities());
        keyManager.use(certificates.servingCertificate());
    }

    /**
     * The certificates in the Secrets, made, renewed or moved first when needed. A write that loses to another
     * replica's is dropped and the Secrets read again, so every replica ends up with what the first writer wrote.
     */
    private WebhookCertificates current() throws IOException {
        Resource<Secret> caResource = client.secrets().inNamespace(namespace).withName(settings.caSecretName());
        Resource<Secret> servingResource =
                client.secrets().inNamespace(namespace).withName(settings.secretName());
        Optional<OwnerReference> owner = owner();
        for (int attempt = 1; ; attempt++) {
            Secret caSecret = caResource.get();
            Secret servingSecret = servingResource.get();
            // Before the CA had a Secret of its own it was kept in the serving Secret: moved out from there, not
            // replaced.
            Optional<Authority> authority = authority(caSecret, settings.caSecretName())
                    .or(() -> caSecret == null ? authority(servingSecret, settings.secretName()) : Optional.empty());
            Optional<ServingCertificate> serving = authority.isEmpty() ? Optional.empty() : serving(servingSecret);
            WebhookCertificates desired;
            if (authority.isEmpty()) {
                desired = WebhookCertificates.create(dnsNames(), clock.instant());
            } else if (serving.isEmpty()) {
                desired = WebhookCertificates.issue(
                        authority.get().certificates(), authority.get().key(), dnsNames(), clock.instant());
            } else {
                WebhookCertificates stored = new WebhookCertificates(
                        authority.get().certificates(),
                        authority.get().key(),
                        serving.get().chain().getFirst(),
                        serving.get().key());
                desired = stored.renewal(dnsNames(), clock.instant()).orElse(stored);
            }
            try {
                write(
                        caSecret,
                        settings.caSecretName(),
                        "Opaque",
                        Map.of(
                                CA_CERTIFICATES, encode(Pem.encode(desired.authorities())),
                                CA_KEY, encode(Pem.encode(List.of(desired.authorityKey())))),
                        owner);
                write(
                        servingSecret,
                        settings.secretName(),
                        "kubernetes.io/tls",
                        Map.of(
                                TLS_CERTIFICATE, encode(Pem.encode(List.of(desired.serving()))),
                                TLS_KEY, encode(Pem.encode(List.of(desired.servingKey())))),
                        owner);
                return desired;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debug("the webhook's Secrets changed under us; reading them again");
            }
        }
    }

    /** The CAs, newest first, and the first one's key. */
    private record Authority(List<X509Certificate> certificates, PrivateKey key) {}

    private Optional<Authority> authority(Secret secret, String name) {
        if (secret == null || secret.getData() == null || !secret.getData().containsKey(CA_KEY)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Authority(
                    Pem.certificates(value(secret, CA_CERTIFICATES)), Pem.privateKey(value(secret, CA_KEY))));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn(
                    "Secret {}/{} does not hold a usable webhook CA ({}); replacing it",
                    namespace,
                    name,
                    e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<ServingCertificate> serving(Secret secret) {
        if (secret == null || secret.getData() == null || !secret.getData().containsKey(TLS_CERTIFICATE)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ServingCertificate(
                    Pem.certificates(value(secret, TLS_CERTIFICATE)), Pem.privateKey(value(secret, TLS_KEY))));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn(
                    "Secret {}/{} does not hold a usable serving certificate ({}); replacing it",
                    namespace,
                    settings.secretName(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static String value(Secret secret, String key) throws IOException {
        String base64 = secret.getData().get(key);
        if (base64 == null) {
            throw new IOException("no key " + key);
        }
        return decode(base64);
    }

    /**
     * The webhook's Service as the owner of the Secrets, or empty when it does not exist (the operator run outside
     * the chart): the Secrets then have no owner, as one with a missing owner would be collected at once.
     */
    private Optional<OwnerReference> owner() {
        Service service = client.services()
                .inNamespace(namespace)
                .withName(settings.serviceName())
                .get();
        if (service == null) {
            LOG.warn(
                    "Service {}/{} does not exist: the webhook's Secrets get no owner, and uninstalling leaves them behind",
                    namespace,
                    settings.serviceName());
            return Optional.empty();
        }
        // Not blocking the owner's deletion: that would need update on services/finalizers, and nothing waits for it.
        return Optional.of(new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Service")
                .withName(service.getMetadata().getName())
                .withUid(service.getMetadata().getUid())
                .build());
    }

    /**
     * Creates the Secret or updates it (from the version read, so a concurrent write conflicts) unless it holds exactly
     * this and has the owner; a Secret from before the owner was set gets it.
     */
    private void write(
            Secret existing, String name, String type, Map<String, String> data, Optional<OwnerReference> owner) {
        boolean owned = existing != null
                && owner.map(reference -> existing.getMetadata().getOwnerReferences() != null
                                && existing.getMetadata().getOwnerReferences().stream()
                                        .anyMatch(present -> reference.getUid().equals(present.getUid())))
                        .orElse(true);
        if (existing != null && data.equals(existing.getData()) && owned) {
            return;
        }
        if (existing == null) {
            client.resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(namespace)
                            .addToLabels(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY)
                            .withOwnerReferences(owner.stream().toList())
                            .endMetadata()
                            .withType(type)
                            .withData(data)
                            .build())
                    .create();
            LOG.info("created Secret {}/{} for the webhook's certificates", namespace, name);
        } else {
            SecretBuilder updated = new SecretBuilder(existing)
                    .withData(data)
                    .editMetadata()
                    .addToLabels(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY)
                    .endMetadata();
            if (!owned) {
                updated.editMetadata().addToOwnerReferences(owner.orElseThrow()).endMetadata();
            }
            client.resource(updated.build()).update();
            LOG.info("updated Secret {}/{} with the webhook's certificates", namespace, name);
        }
    }

    /**
     * Adds the CAs to those the webhook configuration trusts ({@link CaBundle}); the update carries the version read,
     * so a replica that read before another's update reads again instead of overwriting it.
     */
    void publishCaBundle(List<X509Certificate> authorities) {
        Resource<MutatingWebhookConfiguration> resource = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(settings.configurationName());
        for (int attempt = 1; ; attempt++) {
            MutatingWebhookConfiguration configuration = resource.get();
            if (configuration == null) {
                LOG.warn(
                        "MutatingWebhookConfiguration {} does not exist: the API server will not call this webhook",
                        settings.configurationName());
                return;
            }
            List<MutatingWebhook> webhooks =
                    Optional.ofNullable(configuration.getWebhooks()).orElse(List.of());
            List<X509Certificate> published = new ArrayList<>();
            webhooks.forEach(webhook -> published.addAll(bundle(webhook)));
            List<X509Certificate> merged = CaBundle.merged(published, authorities, clock.instant());
            if (webhooks.stream().allMatch(webhook -> new HashSet<>(bundle(webhook)).equals(Set.copyOf(merged)))) {
                return;
            }
            String bundle = encode(Pem.encode(merged));
            webhooks.forEach(webhook -> webhook.getClientConfig().setCaBundle(bundle));
            try {
                client.resource(configuration).update();
                LOG.info(
                        "published the webhook CA bundle ({} CAs) to MutatingWebhookConfiguration {}",
                        merged.size(),
                        settings.configurationName());
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debug(
                        "MutatingWebhookConfiguration {} changed under us; reading it again",
                        settings.configurationName());
            }
        }
    }

    /** The CAs a webhook's caBundle holds; none when it is empty or not PEM (it is then replaced). */
    private List<X509Certificate> bundle(MutatingWebhook webhook) {
        try {
            return CaPublication.bundle(webhook);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn(
                    "the caBundle of webhook {} is not a PEM bundle ({}); replacing it",
                    webhook.getName(),
                    e.getMessage());
            return List.of();
        }
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }
}
