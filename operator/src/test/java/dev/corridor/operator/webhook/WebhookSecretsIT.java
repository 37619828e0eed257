package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.model.OwnedObjects;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Secrets the operator makes at run time are labelled as its own and owned by an object of the chart (the
 * webhook's Service), so that {@code helm uninstall}, which removes the Service, leaves no CA key behind: the
 * garbage collector removes every object whose owners are all gone.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(60)
class WebhookSecretsIT {
    private static final String NAMESPACE = RunningWebhook.OPERATOR_NAMESPACE;
    private static final WebhookSettings SETTINGS = new WebhookSettings(
            0,
            WebhookSettings.CertificateSource.GENERATE,
            "corridor-webhook-tls",
            "corridor-webhook-ca",
            "corridor-webhook",
            "corridor",
            Path.of("/nonexistent"));

    KubernetesClient client;
    private Service service;

    @BeforeEach
    void installTheChartsService() {
        client.resource(WebhookIT.webhookConfiguration()).create();
        service = client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("corridor-webhook")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .withNewSpec()
                        .addNewPort()
                        .withPort(443)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        assertThat(service.getMetadata().getUid()).isNotBlank();
    }

    @Test
    void bothSecretsAreLabelledAndOwnedByTheWebhooksService() throws Exception {
        new GeneratedCertificates(client, NAMESPACE, SETTINGS, new SwappableKeyManager(), Clock.systemUTC()).refresh();

        for (String name : List.of("corridor-webhook-ca", "corridor-webhook-tls")) {
            Secret secret = secret(name);
            assertThat(secret.getMetadata().getLabels())
                    .containsEntry(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY);
            assertThat(secret.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(this::isTheService);
        }
    }

    @Test
    void secretsFromBeforeTheOwnerAreAdoptedWithTheirCertificatesKept() throws Exception {
        // What an earlier operator version left: the same certificates, neither label nor owner on the CA Secret.
        new GeneratedCertificates(client, NAMESPACE, SETTINGS, new SwappableKeyManager(), Clock.systemUTC()).refresh();
        for (String name : List.of("corridor-webhook-ca", "corridor-webhook-tls")) {
            Secret secret = secret(name);
            client.resource(new SecretBuilder(secret)
                            .editMetadata()
                            .withOwnerReferences()
                            .withLabels(null)
                            .endMetadata()
                            .build())
                    .update();
        }
        Secret caBefore = secret("corridor-webhook-ca");
        assertThat(caBefore.getMetadata().getOwnerReferences()).isNullOrEmpty();

        new GeneratedCertificates(client, NAMESPACE, SETTINGS, new SwappableKeyManager(), Clock.systemUTC()).refresh();

        Secret caAfter = secret("corridor-webhook-ca");
        assertThat(caAfter.getData()).isEqualTo(caBefore.getData());
        assertThat(caAfter.getMetadata().getLabels())
                .containsEntry(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY);
        assertThat(caAfter.getMetadata().getOwnerReferences()).singleElement().satisfies(this::isTheService);
        assertThat(secret("corridor-webhook-tls").getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(this::isTheService);
    }

    @Test
    void withoutTheServiceTheSecretsHaveNoOwnerThatTheCollectorWouldFindMissing() throws Exception {
        client.resource(service).delete();

        new GeneratedCertificates(client, NAMESPACE, SETTINGS, new SwappableKeyManager(), Clock.systemUTC()).refresh();

        assertThat(secret("corridor-webhook-ca").getMetadata().getOwnerReferences())
                .isNullOrEmpty();
        assertThat(secret("corridor-webhook-ca").getMetadata().getLabels())
                .containsEntry(OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY);
    }

    private void isTheService(OwnerReference owner) {
        assertThat(owner.getApiVersion()).isEqualTo("v1");
        assertThat(owner.getKind()).isEqualTo("Service");
        assertThat(owner.getName()).isEqualTo("corridor-webhook");
        assertThat(owner.getUid()).isEqualTo(service.getMetadata().getUid());
        // Blocking the Service's deletion would need update on services/finalizers; nothing needs to wait for the
        // Secrets.
        assertThat(owner.getBlockOwnerDeletion()).isNotEqualTo(Boolean.TRUE);
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace(NAMESPACE).withName(name).get();
    }
}
