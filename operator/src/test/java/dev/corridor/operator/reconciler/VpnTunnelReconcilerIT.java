package dev.corridor.operator.reconciler;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.crd.OneTimePassword;
import dev.corridor.operator.crd.SecretKeyReference;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.testing.FakeSidecar;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reconciler on Fabric8's mock API server in CRUD mode, with the generated CRD loaded. The mock runs no
 * controllers: the test plays kubelet (pod status) and the sidecars (a real /status over HTTP on loopback).
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class VpnTunnelReconcilerIT {
    private static final Duration RESYNC = Duration.ofSeconds(1);
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "corridor/sidecar:test",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);

    KubernetesClient client;
    private Operator operator;

    @BeforeEach
    void startOperator() throws Exception {
        Fixtures.installCrd(client);
        // The mock answers neither server-side apply nor strategic merge; production keeps both on.
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withCloseClientOnStop(false));
        operator.register(new VpnTunnelReconciler(
                client,
                Fixtures.CLUSTER_DNS,
                new SidecarProbe(INJECTION, Duration.ofSeconds(1), Clock.systemUTC()),
                Clock.systemUTC(),
                RESYNC));
        operator.start();
    }

    @AfterEach
    void stopOperator() {
        operator.stop();
    }

    @Test
    void aValidTunnelGetsItsConfigMapAndAReadyStatus() {
        client.resource(Fixtures.credentials("vpn-login")).create();
        VpnTunnel created =
                client.resource(Fixtures.tunnel("corp", "vpn-login")).create();

        ConfigMap config = await().until(
                        () -> client.configMaps()
                                .inNamespace(NAMESPACE)
                                .withName("corridor-corp")
                                .get(),
                        c -> c != null);
        assertThat(config.getData().get("corridor.yaml"))
                .contains(
                        "server: \"" + Fixtures.GATEWAY + "\"",
                        "userFile: \"/etc/corridor/credentials/username\"",
                        "- \"10.30.0.0/16\"",
                        "neverRoute:",
                        "dnsListen: \"127.0.0.1:53\"",
                        "dnsUpstream:\n- \"10.96.0.10\"",
                        "clusterDomain: \"cluster.local\"")
                .doesNotContain("alice", "secret");
        assertThat(config.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("VpnTunnel");
            assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
        });

        VpnTunnelStatus status = awaitStatus(
                "corp",
                s -> condition(s, "Ready")
                        .map(c -> c.getStatus().equals("True"))
                        .orElse(false));
        assertThat(condition(status, "ConfigValid"))
                .get()
                .extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("True", "Valid");
        assertThat(condition(status, "Ready"))
                .get()
                .extracting(Condition::getReason)
                .isEqualTo("NoPods");
        assertThat(condition(status, "Degraded"))
                .get()
                .extracting(Condition::getStatus)
                .isEqualTo("False");
        assertThat(status.injectedPods()).isZero();
        assertThat(status.observedGeneration()).isEqualTo(created.getMetadata().getGeneration());
    }

    @Test
    void aMissingSecretIsReportedByNameUntilItAppears() {
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();

        VpnTunnelStatus invalid =
                awaitStatus("corp", s -> condition(s, "ConfigValid").isPresent());
        assertThat(condition(invalid, "ConfigValid"))
                .get()
                .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
                .containsExactly(
                        "False", "SecretNotFound", "Secret 'vpn-login' (spec.authentication.secretRef) does not exist");
        assertThat(condition(invalid, "Ready"))
                .get()
                .extracting(Condition::getStatus)
                .isEqualTo("False");
        List<Event> warnings = await().until(() -> events("SecretNotFound"), list -> !list.isEmpty());
        assertThat(warnings.getFirst().getType()).isEqualTo("Warning");
        assertThat(warnings.getFirst().getInvolvedObject().getName()).isEqualTo("corp");

        // Not a hot loop: while nothing changes, the status is not written again and no further event is recorded.
        String version = client.resources(VpnTunnel.class)
                .inNamespace(NAMESPACE)
                .withName("corp")
                .get()
                .getMetadata()
                .getResourceVersion();
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> events("SecretNotFound").size() == 1);
        assertThat(client.resources(VpnTunnel.class)
                        .inNamespace(NAMESPACE)
                        .withName("corp")
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .isEqualTo(version);

        client.resource(Fixtures.credentials("vpn-login")).create();
        VpnTunnelStatus valid = awaitStatus(
                "corp",
                s -> condition(s, "ConfigValid")
                        .map(c -> c.getStatus().equals("True"))
                        .orElse(false));
        assertThat(condition(valid, "Ready"))
                .get()
                .extracting(Condition::getStatus)
                .isEqualTo("True");
        assertThat(await().until(() -> events("ConfigValid"), list -> !list.isEmpty())
                        .getFirst()
                        .getType())
                .isEqualTo("Normal");
    }

    @Test
    void aSecretWithoutThePasswordKeyIsNamed() {
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder(Fixtures.credentials("vpn-login"))
                        .withData(java.util.Map.of("user", "YWxpY2U="))
                        .build())
                .create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();

        VpnTunnelStatus invalid =
                awaitStatus("corp", s -> condition(s, "ConfigValid").isPresent());
        assertThat(condition(invalid, "ConfigValid"))
                .get()
                .extracting(Condition::getMessage)
                .isEqualTo("Secret 'vpn-login' has no key 'username' (spec.authentication.secretRef); it has user; "
                        + "Secret 'vpn-login' has no key 'password' (spec.authentication.secretRef); it has user");
    }

    /** The second factor's seed is judged as the sidecar will read it, before any pod starts, and never shown. */
    @Test
    void anUnreadableOneTimePasswordSeedIsNamedUntilTheSecretIsFixed() {
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                        .withNewMetadata()
                        .withName("vpn-otp")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .addToStringData("seed", "base32:SEKRIT!!")
                        .build())
                .create();
        VpnTunnelSpec spec = Fixtures.tunnel("corp", "vpn-login").getSpec();
        client.resource(Fixtures.tunnel(
                        "corp",
                        new VpnTunnelSpec(
                                spec.gateway(),
                                spec.trust(),
                                new VpnTunnelSpec.Authentication(
                                        spec.authentication().secretRef(),
                                        null,
                                        new OneTimePassword(null, new SecretKeyReference("vpn-otp", "seed")),
                                        null,
                                        null,
                                        null,
                                        null),
                                spec.routes(),
                                null,
                                null,
                                null,
                                null)))
                .create();

        VpnTunnelStatus invalid =
                awaitStatus("corp", s -> condition(s, "ConfigValid").isPresent());
        assertThat(condition(invalid, "ConfigValid"))
                .get()
                .extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("False", "InvalidTotpSeed");
        assertThat(condition(invalid, "ConfigValid").orElseThrow().getMessage())
                .startsWith("key 'seed' of Secret 'vpn-otp' (spec.authentication.totp) is not a seed")
                .doesNotContain("SEKRIT");
        assertThat(await().until(() -> events("InvalidTotpSeed"), list -> !list.isEmpty())
                        .getFirst()
                        .getMessage())
                .doesNotContain("SEKRIT");

        client.secrets()
                .inNamespace(NAMESPACE)
                .withName("vpn-otp")
                .edit(secret -> new io.fabric8.kubernetes.api.model.SecretBuilder(secret)
                        .withData(java.util.Map.of(
                                "seed",
                                java.util.Base64.getEncoder()
                                        .encodeToString("base32:JBSWY3DPEHPK3PXP".getBytes(UTF_8))))
                        .withStringData(null)
                        .build());
        awaitStatus(
                "corp",
                s -> condition(s, "ConfigValid")
                        .map(c -> c.getStatus().equals("True"))
                        .orElse(false));
        assertThat(client.configMaps()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp")
                        .get()
                        .getData()
                        .get("corridor.yaml"))
                .contains("tokenMode: \"totp\"", "tokenSecretFile: \"/etc/corridor/token/seed\"")
                .doesNotContain("JBSWY3DPEHPK3PXP");
    }

    @Test
    void aSpecChangeReachesTheConfigMap() {
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        awaitStatus("corp", s -> condition(s, "ConfigValid").isPresent());

        VpnTunnel tunnel = client.resources(VpnTunnel.class)
                .inNamespace(NAMESPACE)
                .withName("corp")
                .get();
        VpnTunnelSpec spec = tunnel.getSpec();
        tunnel.setSpec(new VpnTunnelSpec(
                "https://vpn2.example.test",
                spec.trust(),
                spec.authentication(),
                spec.routes(),
                1400,
                false,
                spec.sidecar(),
                new VpnTunnelSpec.Reconnect(600, 2, 30),
                spec.egress(),
                spec.dns()));
        VpnTunnel updated = client.resource(tunnel).update();

        await().untilAsserted(() -> assertThat(client.configMaps()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp")
                        .get()
                        .getData()
                        .get("corridor.yaml"))
                .contains(
                        "server: \"https://vpn2.example.test\"",
                        "dtls: false",
                        "baseMtu: 1400",
                        "reconnectTimeout: 600",
                        "reconnectMinDelay: 2",
                        "reconnectMaxDelay: 30"));
        awaitStatus(
                "corp", s -> s.observedGeneration().equals(updated.getMetadata().getGeneration()));
    }

    @Test
    void podsCountAsConnectedOnlyWhileTheirSidecarsSaySo() throws Exception {
        client.resource(Fixtures.credentials("vpn-login")).create();
        VpnTunnel tunnel = client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        try (FakeSidecar first = new FakeSidecar("connecting", null, null, null, this::token);
                FakeSidecar second = new FakeSidecar("connecting", null, null, null, this::token)) {
            Pod web1 = client.resource(injected("web-1", tunnel, first.podIp())).create();
            Pod web2 =
                    client.resource(injected("web-2", tunnel, second.podIp())).create();

            VpnTunnelStatus starting = awaitStatus("corp", s -> s.injectedPods() == 2);
            assertThat(starting.connectedPods()).isZero();
            assertThat(condition(starting, "Ready"))
                    .get()
                    .extracting(Condition::getStatus, Condition::getMessage)
                    .containsExactly("False", "2 of 2 pods do not have the tunnel up: web-1, web-2");
            assertThat(condition(starting, "Degraded"))
                    .get()
                    .extracting(Condition::getStatus)
                    .isEqualTo("True");

            first.report("connected", "dtls", "192.168.100.10", "2026-11-22T06:00:00Z");
            kubelet(web1, true);
            second.report("connected", "cstp", "192.168.100.11", "2026-11-22T06:00:01Z");
            kubelet(web2, true);
            List<VpnTunnelStatus.PodSummary> bothUp = List.of(
                    new VpnTunnelStatus.PodSummary("web-1", true, "dtls", "192.168.100.10", "2026-11-22T06:00:00Z"),
                    new VpnTunnelStatus.PodSummary("web-2", true, "cstp", "192.168.100.11", "2026-11-22T06:00:01Z"));
            VpnTunnelStatus up = awaitStatus("corp", s -> bothUp.equals(s.pods()));
            assertThat(up.connectedPods()).isEqualTo(2);
            assertThat(condition(up, "Ready"))
                    .get()
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly("True", "AllConnected");

            // web-2's tunnel drops: its sidecar says so before the kubelet's probe has failed, and the operator sees it
            // at
            // its next read of /status (at most SidecarProbe.READ_INTERVAL later, while the readiness stays the same).
            second.report("reconnecting", null, null, null);
            VpnTunnelStatus degraded = awaitStatus(
                    "corp",
                    SidecarProbe.READ_INTERVAL.plusSeconds(15),
                    s -> s.pods().size() == 2
                            && s.pods()
                                    .get(1)
                                    .equals(new VpnTunnelStatus.PodSummary("web-2", false, null, null, null)));
            assertThat(degraded.connectedPods()).isEqualTo(1);
            assertThat(condition(degraded, "Degraded"))
                    .get()
                    .extracting(Condition::getStatus, Condition::getMessage)
                    .containsExactly("True", "pods without the tunnel: web-2");

            // The kubelet's verdict counts alone where /status cannot be read.
            kubelet(web2, false);
            second.close();
            client.pods().inNamespace(NAMESPACE).withName("web-1").delete();
            VpnTunnelStatus last =
                    awaitStatus("corp", s -> s.injectedPods() == 1 && s.pods().size() == 1);
            assertThat(last.connectedPods()).isZero();
            assertThat(last.pods()).containsExactly(new VpnTunnelStatus.PodSummary("web-2", false, null, null, null));
        }
    }

    @Test
    void theStatusTokenIsMadeOnceOwnedByTheTunnelAndKept() {
        client.resource(Fixtures.credentials("vpn-login")).create();
        VpnTunnel created =
                client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        awaitStatus("corp", s -> condition(s, "Ready").isPresent());

        Secret secret = client.secrets()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-status-token")
                .get();
        assertThat(secret.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "corridor-operator")
                .containsEntry("corridor.dev/tunnel", "corp");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("VpnTunnel");
            assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(owner.getController()).isTrue();
        });
        String token = token();
        assertThat(token).matches("^[A-Za-z0-9_-]{43}$");

        // Reconciles (a spec change, resyncs) leave the token the pods mounted as it is.
        VpnTunnel tunnel = client.resources(VpnTunnel.class)
                .inNamespace(NAMESPACE)
                .withName("corp")
                .get();
        VpnTunnelSpec spec = tunnel.getSpec();
        tunnel.setSpec(new VpnTunnelSpec(
                spec.gateway(),
                spec.trust(),
                spec.authentication(),
                spec.routes(),
                1400,
                spec.dtls(),
                spec.sidecar(),
                spec.reconnect(),
                spec.egress(),
                spec.dns()));
        VpnTunnel updated = client.resource(tunnel).update();
        awaitStatus(
                "corp", s -> s.observedGeneration().equals(updated.getMetadata().getGeneration()));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> token().equals(token));
        assertThat(client.secrets()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp-status-token")
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .isEqualTo(secret.getMetadata().getResourceVersion());
    }

    @Test
    void aConfigMapAndASecretSomeoneElseMadeUnderTheTunnelsNamesAreNotTakenOver() {
        ConfigMap theirs = client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("corridor-corp")
                        .withNamespace(NAMESPACE)
                        .endMetadata()
                        .addToData("owner", "someone else")
                        .build())
                .create();
        Secret theirToken = client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("corridor-corp-status-token")
                        .withNamespace(NAMESPACE)
                        .addToLabels("app.kubernetes.io/managed-by", "helm")
                        .endMetadata()
                        .addToData("token", "dGhlaXJz")
                        .build())
                .create();
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();

        VpnTunnelStatus status =
                awaitStatus("corp", s -> condition(s, "ConfigValid").isPresent());
        assertThat(condition(status, "ConfigValid"))
                .get()
                .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
                .containsExactly(
                        "False",
                        "NameTaken",
                        "ConfigMap 'corridor-corp' exists and is not the operator's (it lacks the label "
                                + "app.kubernetes.io/managed-by=corridor-operator); the operator leaves it alone and gives pods none: delete or rename it; "
                                + "Secret 'corridor-corp-status-token' exists and is not the operator's (it lacks the label "
                                + "app.kubernetes.io/managed-by=corridor-operator); the operator leaves it alone and gives pods none: delete or rename it");
        assertThat(await().until(() -> events("NameTaken"), list -> !list.isEmpty())
                        .getFirst()
                        .getType())
                .isEqualTo("Warning");
        // Resyncs come and go; neither object is written.
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> client.configMaps()
                                .inNamespace(NAMESPACE)
                                .withName("corridor-corp")
                                .get()
                                .getMetadata()
                                .getResourceVersion()
                                .equals(theirs.getMetadata().getResourceVersion())
                        && client.secrets()
                                .inNamespace(NAMESPACE)
                                .withName("corridor-corp-status-token")
                                .get()
                                .getMetadata()
                                .getResourceVersion()
                                .equals(theirToken.getMetadata().getResourceVersion()));

        // Once they are gone, the operator makes its own.
        client.resource(theirs).delete();
        client.resource(theirToken).delete();
        awaitStatus(
                "corp",
                s -> condition(s, "ConfigValid")
                        .map(c -> c.getStatus().equals("True"))
                        .orElse(false));
        assertThat(client.configMaps()
                        .inNamespace(NAMESPACE)
                        .withName("corridor-corp")
                        .get()
                        .getData())
                .containsKey("corridor.yaml");
        assertThat(token()).matches("^[A-Za-z0-9_-]{43}$");
    }

    @Test
    void aDeletedTunnelLeavesItsConfigMapToTheGarbageCollector() {
        client.resource(Fixtures.credentials("vpn-login")).create();
        VpnTunnel tunnel = client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        awaitStatus("corp", s -> condition(s, "Ready").isPresent());
        ConfigMap config = client.configMaps()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp")
                .get();

        client.resource(tunnel).delete();
        await().until(() -> client.resources(VpnTunnel.class)
                        .inNamespace(NAMESPACE)
                        .withName("corp")
                        .get()
                == null);
        // The cluster's garbage collector deletes the ConfigMap through this reference (the mock has none), and no
        // finalizer holds the tunnel.
        assertThat(config.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("VpnTunnel");
            assertThat(owner.getUid()).isEqualTo(tunnel.getMetadata().getUid());
        });
        assertThat(tunnel.getMetadata().getFinalizers()).isEmpty();
        // A pod left behind does not bring the tunnel back.
        client.resource(injected("orphan", tunnel, "127.0.0.1")).create();
        await().during(Duration.ofSeconds(2))
                .until(() -> client.resources(VpnTunnel.class)
                                .inNamespace(NAMESPACE)
                                .withName("corp")
                                .get()
                        == null);
    }

    /** The pod the webhook would have made, at the address where its fake sidecar listens. */
    private static Pod injected(String name, VpnTunnel tunnel, String podIp) {
        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod(name, tunnel.getMetadata().getName()),
                        tunnel,
                        INJECTION,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();
        return new PodBuilder(pod)
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(podIp)
                .addToInitContainerStatuses(new ContainerStatusBuilder()
                        .withName(SidecarLayout.CONTAINER_NAME)
                        .withReady(false)
                        .withStarted(true)
                        .withNewState()
                        .withNewRunning()
                        .endRunning()
                        .endState()
                        .build())
                .endStatus()
                .build();
    }

    /** What the kubelet writes when the sidecar's readiness probe passes or fails. */
    private void kubelet(Pod pod, boolean ready) {
        client.pods()
                .inNamespace(NAMESPACE)
                .withName(pod.getMetadata().getName())
                .editStatus(current -> new PodBuilder(current)
                        .editStatus()
                        .editFirstInitContainerStatus()
                        .withReady(ready)
                        .endInitContainerStatus()
                        .endStatus()
                        .build());
    }

    private VpnTunnelStatus awaitStatus(String name, java.util.function.Predicate<VpnTunnelStatus> condition) {
        return awaitStatus(name, Duration.ofSeconds(15), condition);
    }

    private VpnTunnelStatus awaitStatus(
            String name, Duration atMost, java.util.function.Predicate<VpnTunnelStatus> condition) {
        return await().atMost(atMost)
                .until(
                        () -> {
                            VpnTunnel tunnel = client.resources(VpnTunnel.class)
                                    .inNamespace(NAMESPACE)
                                    .withName(name)
                                    .get();
                            return tunnel == null ? null : tunnel.getStatus();
                        },
                        status -> status != null && condition.test(status));
    }

    /** The token in the tunnel's Secret, as the pods mount it. */
    private String token() {
        Secret secret = client.secrets()
                .inNamespace(NAMESPACE)
                .withName("corridor-corp-status-token")
                .get();
        return secret == null
                ? null
                : new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.US_ASCII);
    }

    private List<Event> events(String reason) {
        return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()))
                .toList();
    }

    private static java.util.Optional<Condition> condition(VpnTunnelStatus status, String type) {
        return status.conditions() == null
                ? java.util.Optional.empty()
                : status.conditions().stream()
                        .filter(c -> type.equals(c.getType()))
                        .findFirst();
    }
}
