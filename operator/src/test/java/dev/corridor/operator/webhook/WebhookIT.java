package dev.corridor.operator.webhook;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GroupVersionKindBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The webhook as the API server meets it: real HTTPS with the certificate the operator made and published, and
 * AdmissionReviews for varied pods. Each returned JSONPatch is applied to the pod that was sent, and the result checked.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WebhookIT {
    static final String OPERATOR_NAMESPACE = RunningWebhook.OPERATOR_NAMESPACE;
    static final String SERVICE_DNS = "corridor-webhook.corridor.svc";
    static final InjectionSettings INJECTION = new InjectionSettings(
            "ghcr.io/corridor/sidecar:0.1.0",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            new AllowedImages(List.of("ghcr.io/corridor/")));

    KubernetesClient client;
    KubernetesMockServer server;
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private RunningWebhook webhook;
    private OperatorMetrics metrics;

    @BeforeEach
    void start() throws Exception {
        Fixtures.installCrd(client);
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        client.resource(Fixtures.tunnel("broken", "absent")).create();
        metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        webhook = RunningWebhook.start(client, INJECTION, Fixtures.CLUSTER_DNS, WatchedNamespaces.ALL, metrics);
    }

    @AfterEach
    void stop() {
        webhook.close();
    }

    @Test
    void theCaBundleInTheWebhookConfigurationIsTheCaInItsOwnSecretApartFromTheServingCertificate() {
        Secret serving = client.secrets()
                .inNamespace(OPERATOR_NAMESPACE)
                .withName("corridor-webhook-tls")
                .get();
        Secret ca = client.secrets()
                .inNamespace(OPERATOR_NAMESPACE)
                .withName("corridor-webhook-ca")
                .get();
        assertThat(serving.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(serving.getData()).containsOnlyKeys("tls.crt", "tls.key");
        assertThat(ca.getData()).containsOnlyKeys("ca.crt", "ca.key");
        MutatingWebhookConfiguration configuration = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("corridor")
                .get();
        assertThat(configuration.getWebhooks().getFirst().getClientConfig().getCaBundle())
                .isEqualTo(ca.getData().get("ca.crt"));
    }

    @Test
    void aPlainPodGetsTheNativeSidecar() throws Exception {
        Pod original = Fixtures.annotatedPod("web", "corp");

        Pod pod = injected(original);

        assertThat(pod.getMetadata().getLabels()).containsEntry("corridor.dev/tunnel", "corp");
        assertThat(pod.getSpec().getContainers()).isEqualTo(original.getSpec().getContainers());
        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getName()).isEqualTo("corridor-sidecar");
        assertThat(sidecar.getImage()).isEqualTo("ghcr.io/corridor/sidecar:0.1.0");
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getArgs()).containsExactly("connect", "--config", "/etc/corridor/config/corridor.yaml");
        assertThat(sidecar.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("corridor-http");
            assertThat(port.getContainerPort()).isEqualTo(9478);
        });
        assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(sidecar.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        var security = sidecar.getSecurityContext();
        assertThat(security.getCapabilities().getAdd()).containsExactly("NET_ADMIN", "NET_BIND_SERVICE");
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(sidecar.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("CORRIDOR_NODE_IP");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.hostIP");
        });
        assertThat(pod.getSpec().getVolumes())
                .extracting("name")
                .containsExactly(
                        "corridor-config",
                        "corridor-credentials",
                        "corridor-status-token",
                        "corridor-tun",
                        "corridor-tmp");
        assertThat(pod.getSpec().getVolumes().get(0).getConfigMap().getName()).isEqualTo("corridor-corp");
        assertThat(pod.getSpec().getVolumes().get(1).getSecret().getSecretName())
                .isEqualTo("vpn-login");
        assertThat(pod.getSpec().getVolumes().get(2).getSecret().getSecretName())
                .isEqualTo("corridor-corp-status-token");
        assertThat(pod.getSpec().getVolumes().get(3).getHostPath().getPath()).isEqualTo("/dev/net/tun");
    }

    @Test
    void aTunnelledPodAsksTheSidecarsForwarderWithTheClusterFirstSearchPath() throws Exception {
        Pod pod = injected(Fixtures.annotatedPod("web", "corp"));

        assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("None");
        assertThat(pod.getSpec().getDnsConfig().getNameservers()).containsExactly("127.0.0.1");
        assertThat(pod.getSpec().getDnsConfig().getSearches())
                .containsExactly("apps.svc.cluster.local", "svc.cluster.local", "cluster.local");
        assertThat(pod.getSpec().getDnsConfig().getOptions())
                .singleElement()
                .satisfies(option ->
                        assertThat(option.getName() + ":" + option.getValue()).isEqualTo("ndots:5"));
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                .noneMatch(event -> "DnsNotApplied".equals(event.getReason()));
    }

    @Test
    void aPodWithItsOwnDnsKeepsItAndTheWarningAndTheTunnelsEventSaySo() throws Exception {
        Pod own = new PodBuilder(Fixtures.annotatedPod("own-dns", "corp"))
                .editSpec()
                .withDnsPolicy("None")
                .withNewDnsConfig()
                .withNameservers("192.0.2.53")
                .endDnsConfig()
                .endSpec()
                .build();

        AdmissionResponse response = webhook.admit(own, NAMESPACE);
        Pod kept = webhook.inject(own, NAMESPACE);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getWarnings())
                .singleElement()
                .asString()
                .contains("pod own-dns", "the tunnel's DNS was not applied", "dnsPolicy: None");
        assertThat(kept.getSpec().getDnsPolicy()).isEqualTo("None");
        assertThat(kept.getSpec().getDnsConfig().getNameservers()).containsExactly("192.0.2.53");
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                .filteredOn(event -> "DnsNotApplied".equals(event.getReason()))
                .isNotEmpty()
                .allSatisfy(event -> {
                    assertThat(event.getType()).isEqualTo("Warning");
                    assertThat(event.getInvolvedObject().getKind()).isEqualTo("VpnTunnel");
                    assertThat(event.getInvolvedObject().getName()).isEqualTo("corp");
                    assertThat(event.getMessage()).contains("pod own-dns");
                });
    }

    /** What spec.authentication names is in the patch as read-only Secret volumes, once the Secrets are there and readable. */
    @Test
    void theSecretsOfACertificateAndASecondFactorAreMountedAndAMissingOneRefusesThePod() throws Exception {
        VpnTunnelSpec spec = Fixtures.tunnel("mfa", "vpn-login").getSpec();
        client.resource(Fixtures.tunnel(
                        "mfa",
                        new VpnTunnelSpec(
                                spec.gateway(),
                                spec.trust(),
                                new VpnTunnelSpec.Authentication(
                                        spec.authentication().secretRef(),
                                        null,
                                        new OneTimePassword(null, new SecretKeyReference("vpn-otp", "seed")),
                                        new TlsSecretReference("vpn-client-tls"),
                                        null,
                                        null,
                                        null),
                                spec.routes(),
                                null,
                                null,
                                null,
                                null)))
                .create();
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("vpn-otp")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .addToStringData("seed", "base32:JBSWY3DPEHPK3PXP")
                        .build())
                .create();

        AdmissionResponse refused = webhook.admit(Fixtures.annotatedPod("web", "mfa"), NAMESPACE);
        assertThat(refused.getAllowed()).isFalse();
        assertThat(refused.getStatus().getMessage())
                .contains("Secret 'vpn-client-tls' (spec.authentication.clientCertificate) does not exist");

        WebhookCertificates issued =
                WebhookCertificates.create(List.of("alice.corp.example.com"), java.time.Instant.now());
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("vpn-client-tls")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToStringData("tls.crt", Pem.encode(List.of(issued.serving())))
                        .addToStringData("tls.key", Pem.encode(List.of(issued.servingKey())))
                        .build())
                .create();
        Pod pod = injected(Fixtures.annotatedPod("web", "mfa"));

        assertThat(pod.getSpec().getVolumes())
                .filteredOn(volume -> volume.getName().matches("corridor-(token|client-certificate)"))
                .extracting(
                        volume -> volume.getName() + " " + volume.getSecret().getSecretName() + " "
                                + volume.getSecret().getDefaultMode())
                .containsExactly("corridor-token vpn-otp 256", "corridor-client-certificate vpn-client-tls 256");
        assertThat(pod.getSpec().getInitContainers().getFirst().getVolumeMounts())
                .filteredOn(mount -> mount.getName().matches("corridor-(token|client-certificate)"))
                .extracting(mount -> mount.getMountPath() + " " + mount.getReadOnly())
                .containsExactly("/etc/corridor/token true", "/etc/corridor/client-certificate true");
    }

    @Test
    void aDeploymentsPodTemplateKeepsItsOwnerAndLabels() throws Exception {
        Pod original = new PodBuilder(Fixtures.annotatedPod(null, "corp"))
                .editMetadata()
                .withGenerateName("web-5d9c7b-")
                .withNamespace(null)
                .addToLabels("app", "web")
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("ReplicaSet")
                .withName("web-5d9c7b")
                .withUid("rs-1")
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .build();

        Pod pod = injected(original);

        assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-5d9c7b-");
        assertThat(pod.getMetadata().getNamespace()).isNull();
        assertThat(pod.getMetadata().getLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of("app", "web", "corridor.dev/tunnel", "corp"));
        assertThat(pod.getMetadata().getOwnerReferences())
                .isEqualTo(original.getMetadata().getOwnerReferences());
        assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("corridor-sidecar");
    }

    @Test
    void existingInitContainersVolumesAndPortsKeepWorking() throws Exception {
        Pod original = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .addNewInitContainer()
                .withName("migrate")
                .withImage("registry.example.test/migrate:1")
                .endInitContainer()
                .addNewVolume()
                .withName("data")
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume()
                .editFirstContainer()
                .addNewPort()
                .withName("metrics")
                .withContainerPort(9478)
                .endPort()
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/data")
                .endVolumeMount()
                .endContainer()
                .endSpec()
                .build();

        Pod pod = injected(original);

        // The sidecar goes first, so that the pod's own init containers already have the tunnel.
        assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("corridor-sidecar", "migrate");
        assertThat(pod.getSpec().getInitContainers().get(1))
                .isEqualTo(original.getSpec().getInitContainers().getFirst());
        assertThat(pod.getSpec().getVolumes())
                .extracting("name")
                .startsWith("data")
                .contains("corridor-config");
        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getPorts().getFirst().getContainerPort()).isEqualTo(9479);
        assertThat(sidecar.getArgs()).containsSubsequence("--http-address", "0.0.0.0:9479");
        assertThat(sidecar.getReadinessProbe().getHttpGet().getPort().getIntVal())
                .isEqualTo(9479);
        assertThat(pod.getSpec().getContainers()).isEqualTo(original.getSpec().getContainers());
    }

    @Test
    void aRestrictedPodSecurityContextStaysAsItIs() throws Exception {
        Pod original = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(1000L)
                .withFsGroup(2000L)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .editFirstContainer()
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build();

        Pod pod = injected(original);

        assertThat(pod.getSpec().getSecurityContext())
                .isEqualTo(original.getSpec().getSecurityContext());
        assertThat(pod.getSpec().getContainers()).isEqualTo(original.getSpec().getContainers());
        // The pod's runAsNonRoot would stop the sidecar (uid 0, for NET_ADMIN in the pod's network namespace): its
        // own security context says otherwise, for that container only.
        var sidecar = pod.getSpec().getInitContainers().getFirst().getSecurityContext();
        assertThat(sidecar.getRunAsUser()).isZero();
        assertThat(sidecar.getRunAsNonRoot()).isFalse();
    }

    @Test
    void aPodThatAlreadyHasTheSidecarIsLeftAlone() throws Exception {
        Pod once = injected(Fixtures.annotatedPod("web", "corp"));

        AdmissionResponse again = webhook.admit(once, NAMESPACE);

        assertThat(again.getAllowed()).isTrue();
        assertThat(again.getPatch()).isNull();
    }

    @Test
    void aPodWithoutTheAnnotationIsLeftAlone() throws Exception {
        Pod plain = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editMetadata()
                .withAnnotations(Map.of())
                .endMetadata()
                .build();

        AdmissionResponse response = webhook.admit(plain, NAMESPACE);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    @Test
    void aPodNamingAMissingTunnelIsDeniedWithTheReason() throws Exception {
        AdmissionResponse response = webhook.admit(Fixtures.annotatedPod("web", "nope"), NAMESPACE);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage())
                .isEqualTo(
                        "pod web asks for VpnTunnel 'nope' (annotation corridor.dev/tunnel), which does not exist in namespace 'apps'");
    }

    @Test
    void aPodNamingAnInvalidTunnelIsDeniedWithTheProblem() throws Exception {
        Pod template = new PodBuilder(Fixtures.annotatedPod(null, "broken"))
                .editMetadata()
                .withGenerateName("job-")
                .endMetadata()
                .build();

        AdmissionResponse response = webhook.admit(template, NAMESPACE);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("pod job-* asks for VpnTunnel 'broken' in namespace 'apps', which is not valid: "
                        + "Secret 'absent' (spec.authentication.secretRef) does not exist");
    }

    @Test
    void perPodAnnotationsOverrideLogLevelAndImage() throws Exception {
        Pod original = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editMetadata()
                .addToAnnotations("corridor.dev/log-level", "debug")
                .addToAnnotations("corridor.dev/image", "ghcr.io/corridor/sidecar:0.2.0-rc1")
                .endMetadata()
                .build();

        Container sidecar = injected(original).getSpec().getInitContainers().getFirst();

        assertThat(sidecar.getImage()).isEqualTo("ghcr.io/corridor/sidecar:0.2.0-rc1");
        assertThat(sidecar.getArgs()).containsSubsequence("--log-level", "debug");
    }

    @Test
    void aPerPodImageOutsideTheAllowedOnesOrAnUnknownLogLevelIsDeniedWithTheReason() throws Exception {
        AdmissionResponse image = webhook.admit(
                new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editMetadata()
                        .addToAnnotations("corridor.dev/image", "ghcr.io/corridor-mirror/sidecar:0.1.0")
                        .endMetadata()
                        .build(),
                NAMESPACE);
        AdmissionResponse level = webhook.admit(
                new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editMetadata()
                        .addToAnnotations("corridor.dev/log-level", "trace")
                        .endMetadata()
                        .build(),
                NAMESPACE);

        assertThat(image.getAllowed()).isFalse();
        assertThat(image.getStatus().getMessage())
                .isEqualTo(
                        "pod web: the annotation corridor.dev/image asks for image "
                                + "'ghcr.io/corridor-mirror/sidecar:0.1.0', which is not among the images the operator allows (sidecar.allowedImages: ghcr.io/corridor/)");
        assertThat(level.getAllowed()).isFalse();
        assertThat(level.getStatus().getMessage())
                .isEqualTo(
                        "pod web: the annotation corridor.dev/log-level is 'trace'; it takes one of error, warn, info, debug");
    }

    @Test
    void aHostNetworkPodOrAWindowsPodIsDeniedWithTheReason() throws Exception {
        AdmissionResponse hostNetwork = webhook.admit(
                new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editSpec()
                        .withHostNetwork(true)
                        .endSpec()
                        .build(),
                NAMESPACE);
        AdmissionResponse windows = webhook.admit(
                new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editSpec()
                        .withNewOs("windows")
                        .endSpec()
                        .build(),
                NAMESPACE);

        assertThat(hostNetwork.getAllowed()).isFalse();
        assertThat(hostNetwork.getStatus().getMessage())
                .isEqualTo(
                        "pod web: it sets hostNetwork: true; the sidecar would put the tunnel and its "
                                + "routes into the node's own network namespace, where the tunnels of two such pods on one node would remove each other's routes");
        assertThat(windows.getAllowed()).isFalse();
        assertThat(windows.getStatus().getMessage())
                .isEqualTo("pod web: it sets spec.os.name: windows; the sidecar runs only on Linux nodes "
                        + "(it needs a Linux network namespace and /dev/net/tun)");
    }

    @Test
    void aTunnelWhoseConfigMapNameSomeoneElseHoldsIsRefused() throws Exception {
        client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("corridor-corp")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .addToData("corridor.yaml", "server: https://attacker.example.test/")
                        .build())
                .create();

        AdmissionResponse response = webhook.admit(Fixtures.annotatedPod("web", "corp"), NAMESPACE);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("pod web asks for VpnTunnel 'corp' in namespace 'apps', which is not valid: "
                        + "ConfigMap 'corridor-corp' exists and is not the operator's (it lacks the label app.kubernetes.io/managed-by=corridor-operator); "
                        + "the operator leaves it alone and gives pods none: delete or rename it");
    }

    @Test
    void theServerAnswersProbesAndRefusesWhatIsNotAnAdmissionReview() throws Exception {
        assertThat(webhook.apiServer().send("GET", "/healthz", null).code()).isEqualTo(200);
        assertThat(webhook.apiServer().send("GET", "/readyz", null).code()).isEqualTo(200);
        assertThat(webhook.apiServer().send("GET", "/mutate-pods", null).code()).isEqualTo(405);
        AdmissionClient.Answer garbage = webhook.apiServer().send("POST", "/mutate-pods", "{not json");
        assertThat(garbage.code()).isEqualTo(400);
        assertThat(garbage.body()).startsWith("not an AdmissionReview");
    }

    @Test
    void everyAnswerIsCountedByOutcomeWithItsLatency() throws Exception {
        injected(Fixtures.annotatedPod("web", "corp"));
        webhook.admit(
                new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                        .editMetadata()
                        .withAnnotations(Map.of())
                        .endMetadata()
                        .build(),
                NAMESPACE);
        webhook.admit(Fixtures.annotatedPod("web", "nope"), NAMESPACE);
        webhook.admit(Fixtures.annotatedPod("web", "nope"), NAMESPACE);
        webhook.apiServer().send("POST", "/mutate-pods", "{not json");

        String scrape = metrics.scrape();
        assertThat(scrape)
                .contains(
                        "corridor_webhook_admission_seconds_count{outcome=\"injected\"} 1",
                        "corridor_webhook_admission_seconds_count{outcome=\"skipped\"} 1",
                        "corridor_webhook_admission_seconds_count{outcome=\"denied\"} 2",
                        "corridor_webhook_admission_seconds_count{outcome=\"failed\"} 1",
                        "corridor_webhook_admission_seconds_bucket{outcome=\"denied\",le=\"10.0\"} 2");
    }

    @Test
    void anEmptyTunnelAnnotationIsDeniedWithTheReason() throws Exception {
        AdmissionResponse response = webhook.admit(Fixtures.annotatedPod("web", " "), NAMESPACE);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .isEqualTo("pod web: the annotation corridor.dev/tunnel is empty; it names the VpnTunnel to use");
    }

    /** The configuration's rules send only pod creations, but the webhook must not trust that: anything else passes unchanged. */
    @Test
    void anotherKindOrAnUpdateIsLetThroughUnchanged() throws Exception {
        Pod annotated = Fixtures.annotatedPod("web", "corp");
        AdmissionResponse update = webhook.apiServer()
                .review(request("UPDATE", "Pod", serialization.convertValue(annotated, JsonNode.class)))
                .getResponse();
        AdmissionResponse deployment = webhook.apiServer()
                .review(request(
                        "CREATE",
                        "Deployment",
                        serialization.convertValue(
                                Map.of(
                                        "metadata",
                                        Map.of("name", "web", "annotations", Map.of("corridor.dev/tunnel", "corp"))),
                                JsonNode.class)))
                .getResponse();

        for (AdmissionResponse response : List.of(update, deployment)) {
            assertThat(response.getAllowed()).isTrue();
            assertThat(response.getPatch()).isNull();
        }
    }

    /** The API server failing to answer for the tunnel is a denial naming the tunnel and the error, never a pod without its tunnel. */
    @Test
    void whenTheApiServerCannotSayWhatTheTunnelIsThePodIsDeniedWithTheError() throws Exception {
        server.expect()
                .get()
                .withPath("/apis/corridor.dev/v1alpha1/namespaces/" + NAMESPACE + "/vpntunnels/corp")
                .andReturn(
                        403,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                                + "\"message\":\"vpntunnels.corridor.dev \\\"corp\\\" is forbidden\",\"code\":403}")
                .always();

        AdmissionResponse response = webhook.admit(Fixtures.annotatedPod("web", "corp"), NAMESPACE);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage())
                .startsWith("pod web: could not check VpnTunnel 'corp' in namespace 'apps': ")
                .contains("is forbidden");
    }

    @Test
    void aReviewWithoutARequestIsRefusedAsABadRequest() throws Exception {
        AdmissionClient.Answer answer = webhook.apiServer()
                .send("POST", "/mutate-pods", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}");

        assertThat(answer.code()).isEqualTo(400);
        assertThat(answer.body()).isEqualTo("an AdmissionReview without a request\n");
        assertThat(metrics.scrape()).contains("corridor_webhook_admission_seconds_count{outcome=\"failed\"} 1");
    }

    /** A request the webhook cannot make sense of is a 500 the API server reports (failurePolicy Fail), and counted as failed. */
    @Test
    void aPodTheWebhookCannotReadIsAnInternalErrorThatSaysSo() throws Exception {
        JsonNode notAPod = serialization.convertValue(Map.of("metadata", "not an object"), JsonNode.class);

        AdmissionClient.Answer answer = webhook.apiServer()
                .send(
                        "POST",
                        "/mutate-pods",
                        serialization.asJson(new io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder()
                                .withApiVersion("admission.k8s.io/v1")
                                .withKind("AdmissionReview")
                                .withRequest(request("CREATE", "Pod", notAPod))
                                .build()));

        assertThat(answer.code()).isEqualTo(500);
        assertThat(answer.body()).startsWith("the webhook could not answer: ");
        assertThat(metrics.scrape()).contains("corridor_webhook_admission_seconds_count{outcome=\"failed\"} 1");
    }

    private static AdmissionRequest request(String operation, String kind, Object object) {
        String resource = kind.toLowerCase(java.util.Locale.ROOT) + "s";
        return new AdmissionRequestBuilder()
                .withUid(java.util.UUID.randomUUID().toString())
                .withKind(new GroupVersionKindBuilder()
                        .withGroup(kind.equals("Pod") ? "" : "apps")
                        .withVersion("v1")
                        .withKind(kind)
                        .build())
                .withResource(new GroupVersionResourceBuilder()
                        .withGroup(kind.equals("Pod") ? "" : "apps")
                        .withVersion("v1")
                        .withResource(resource)
                        .build())
                .withNamespace(NAMESPACE)
                .withOperation(operation)
                .withObject(object)
                .build();
    }

    /** Sends the pod and applies the webhook's JSONPatch to it, as the API server does. */
    private Pod injected(Pod original) throws Exception {
        return webhook.inject(original, NAMESPACE);
    }

    static MutatingWebhookConfiguration webhookConfiguration() {
        return new MutatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName("corridor")
                .endMetadata()
                .addNewWebhook()
                .withName("pods.corridor.dev")
                .withAdmissionReviewVersions("v1")
                .withSideEffects("None")
                .withNewClientConfig()
                .withNewService()
                .withName("corridor-webhook")
                .withNamespace(OPERATOR_NAMESPACE)
                .withPath("/mutate-pods")
                .withPort(443)
                .endService()
                .endClientConfig()
                .addNewRule()
                .withApiGroups("")
                .withApiVersions("v1")
                .withResources("pods")
                .withOperations("CREATE")
                .endRule()
                .endWebhook()
                .build();
    }
}
