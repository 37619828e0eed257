package dev.corridor.operator.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Corridor as a user installs it: the chart in charts/corridor, with helm (helm-java runs Helm's own code), told
 * only where its images are. Release "corridor" in corridor-system names the webhook configuration "corridor" and
 * the Secret of the operator's webhook CA "corridor-webhook-ca".
 */
final class CorridorRelease {
    static final String NAMESPACE = "corridor-system";
    static final String NAME = "corridor";
    static final Path CHART = Repository.ROOT.resolve("charts/corridor");
    private static final String WEBHOOK_CA_SECRET = "corridor-webhook-ca";
    /** helm install --wait: the operator's readiness probe passes once its webhook has a serving certificate. */
    private static final int INSTALL_TIMEOUT_SECONDS = 300;

    private CorridorRelease() {
    }

    /** The chart's values the suite sets: its own images, which are in the node and not in any registry. */
    static final Map<String, String> VALUES = Map.of(
            "operator.image.repository", SuiteImages.OPERATOR.repository(),
            "operator.image.tag", SuiteImages.OPERATOR.tag(),
            "operator.image.pullPolicy", "Never",
            "sidecar.image.repository", SuiteImages.SIDECAR.repository(),
            "sidecar.image.tag", SuiteImages.SIDECAR.tag(),
            "sidecar.image.pullPolicy", "Never");

    static void install(String kubeConfigYaml) {
        InstallCommand install = new Helm(CHART).install().withName(NAME).withNamespace(NAMESPACE).createNamespace()
                .withKubeConfigContents(kubeConfigYaml)
                .waitReady().withTimeout(INSTALL_TIMEOUT_SECONDS);
        VALUES.forEach(install::set);
        install.call();
    }

    /**
     * The chart leaves caBundle empty and the operator writes its CA there at start: until it has, the API server
     * cannot trust the webhook and refuses annotated pods. Done when caBundle is the CA in the operator's CA Secret.
     */
    static void awaitWebhookCa(KubernetesClient client) {
        await("the operator to publish its CA in MutatingWebhookConfiguration " + NAME)
                .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Secret secret = client.secrets().inNamespace(NAMESPACE).withName(WEBHOOK_CA_SECRET).get();
                    assertThat(secret).as("Secret " + NAMESPACE + "/" + WEBHOOK_CA_SECRET).isNotNull();
                    MutatingWebhookConfiguration configuration = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(NAME).get();
                    assertThat(configuration.getWebhooks()).singleElement()
                            .extracting(MutatingWebhook::getClientConfig).extracting(clientConfig -> clientConfig.getCaBundle())
                            .as("caBundle of webhook pods.corridor.dev").isEqualTo(secret.getData().get("ca.crt"));
                });
    }
}
