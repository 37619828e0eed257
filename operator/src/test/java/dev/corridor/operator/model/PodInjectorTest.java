package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.operator.crd.ImagePullSecret;
import dev.corridor.operator.crd.SidecarReadiness;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class PodInjectorTest {
    private static final ResourceRequirements DEFAULT_RESOURCES = new ResourceRequirementsBuilder()
            .addToRequests("memory", new Quantity("128Mi"))
            .addToLimits("memory", new Quantity("192Mi"))
            .build();
    private static final InjectionSettings NATIVE = new InjectionSettings(
            "sidecar:1",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            DEFAULT_RESOURCES,
            AllowedImages.NONE);

    @Test
    void classicModeAddsARegularContainerAfterTheApplication() {
        InjectionSettings classic = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.CLASSIC,
                InjectionSettings.TunDevice.HOST_PATH,
                DEFAULT_RESOURCES,
                AllowedImages.NONE);

        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        classic,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
        assertThat(pod.getSpec().getContainers())
                .extracting(Container::getName)
                .containsExactly("app", "corridor-sidecar");
        assertThat(pod.getSpec().getContainers().get(1).getRestartPolicy()).isNull();
    }

    @Test
    void creatingTheTunDeviceNeedsMknodAndNoHostPath() {
        InjectionSettings create = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.CREATE,
                DEFAULT_RESOURCES,
                AllowedImages.NONE);

        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        create,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("NET_ADMIN", "MKNOD", "NET_BIND_SERVICE");
        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("corridor-tun");
        assertThat(sidecar.getVolumeMounts()).extracting("mountPath").doesNotContain("/dev/net/tun");
    }

    @Test
    void theNodesTunDeviceIsAHostPathVolumeOfTypeCharDeviceByDefault() {
        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(volume(pod, "corridor-tun").getHostPath()).satisfies(hostPath -> {
            assertThat(hostPath.getPath()).isEqualTo("/dev/net/tun");
            assertThat(hostPath.getType()).isEqualTo("CharDevice");
        });
        assertThat(sidecar.getVolumeMounts())
                .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/dev/net/tun"));
        assertThat(sidecar.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("NET_ADMIN", "NET_BIND_SERVICE");
        assertThat(sidecar.getSecurityContext().getPrivileged()).isFalse();
        assertThat(sidecar.getResources()).isEqualTo(DEFAULT_RESOURCES);
    }

    @Test
    void aDevicePluginGivesTheTunDeviceAsOneUnitOfItsResourceWithoutAHostPath() {
        InjectionSettings devicePlugin = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.DEVICE_PLUGIN,
                DEFAULT_RESOURCES,
                AllowedImages.NONE,
                "devices.example.com/tun");
        ResourceRequirements limitsOnly = new ResourceRequirementsBuilder()
                .addToLimits("memory", new Quantity("96Mi"))
                .build();

        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        devicePlugin,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();
        Container tunnelsOwn = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel(
                                "corp",
                                new VpnTunnelSpec(
                                        Fixtures.GATEWAY,
                                        null,
                                        new VpnTunnelSpec.Authentication(
                                                new VpnTunnelSpec.SecretReference("login", null, null), null),
                                        null,
                                        null,
                                        null,
                                        new VpnTunnelSpec.Sidecar(null, null, limitsOnly, null, null, null),
                                        null)),
                        devicePlugin,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow()
                .getSpec()
                .getInitContainers()
                .getFirst();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getResources().getLimits())
                .containsEntry("devices.example.com/tun", new Quantity("1"))
                .containsEntry("memory", new Quantity("192Mi"));
        assertThat(sidecar.getResources().getRequests())
                .containsEntry("devices.example.com/tun", new Quantity("1"))
                .containsEntry("memory", new Quantity("128Mi"));
        assertThat(tunnelsOwn.getResources().getLimits()).containsOnlyKeys("memory", "devices.example.com/tun");
        assertThat(tunnelsOwn.getResources().getRequests()).isNullOrEmpty();
        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("corridor-tun");
        assertThat(sidecar.getVolumeMounts()).extracting("mountPath").doesNotContain("/dev/net/tun");
        assertThat(sidecar.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("NET_ADMIN", "NET_BIND_SERVICE");
        assertThat(sidecar.getSecurityContext().getPrivileged()).isFalse();
        assertThat(DEFAULT_RESOURCES.getLimits())
                .doesNotContainKey("devices.example.com/tun"); // the settings are left as they were
        assertThat(PodInjector.verify(pod, Fixtures.tunnel("corp", "login"), devicePlugin))
                .isInstanceOf(PodInjector.Verdict.Injected.class);
    }

    @Test
    void aPrivilegedSidecarIsTheOperatorsOptInAndNeedsNoHostPath() {
        InjectionSettings privileged = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.PRIVILEGED,
                DEFAULT_RESOURCES,
                AllowedImages.NONE);

        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        privileged,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getSecurityContext().getPrivileged()).isTrue();
        // The API server refuses privileged: true beside allowPrivilegeEscalation: false.
        assertThat(sidecar.getSecurityContext().getAllowPrivilegeEscalation()).isTrue();
        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("corridor-tun");
        assertThat(sidecar.getResources()).isEqualTo(DEFAULT_RESOURCES);
        assertThat(PodInjector.verify(pod, Fixtures.tunnel("corp", "login"), privileged))
                .isInstanceOf(PodInjector.Verdict.Injected.class);
        assertThat(PodInjector.verify(pod, Fixtures.tunnel("corp", "login"), NATIVE))
                .isInstanceOf(PodInjector.Verdict.NotInjected.class);
    }

    @Test
    void aCaFromASecretOrAConfigMapIsMountedWhereTheConfigurationSays() {
        VpnTunnel fromSecret =
                withCa(new VpnTunnelSpec.CaReference(new VpnTunnelSpec.KeyReference("corp-ca", null), null));
        VpnTunnel fromConfigMap =
                withCa(new VpnTunnelSpec.CaReference(null, new VpnTunnelSpec.KeyReference("corp-ca", "root.pem")));

        Pod secretPod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"), fromSecret, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow();
        Pod configMapPod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"), fromConfigMap, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Volume secretCa = volume(secretPod, "corridor-ca");
        assertThat(secretCa.getSecret().getSecretName()).isEqualTo("corp-ca");
        assertThat(secretCa.getSecret().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getKey()).isEqualTo("ca.crt");
            assertThat(item.getPath()).isEqualTo("ca.crt");
        });
        Volume configMapCa = volume(configMapPod, "corridor-ca");
        assertThat(configMapCa.getConfigMap().getName()).isEqualTo("corp-ca");
        assertThat(configMapCa.getConfigMap().getItems().getFirst().getKey()).isEqualTo("root.pem");
        assertThat(secretPod.getSpec().getInitContainers().getFirst().getVolumeMounts())
                .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo(SidecarLayout.CA_DIRECTORY));
        assertThat(SidecarConfiguration.render(fromSecret.getSpec(), Fixtures.CLUSTER_DNS))
                .contains("cafile: \"/etc/corridor/ca/ca.crt\"");
    }

    @Test
    void credentialsAreMountedReadOnlyUnderFixedFileNames() {
        VpnTunnel tunnel = Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        Fixtures.GATEWAY,
                        null,
                        new VpnTunnelSpec.Authentication(
                                new VpnTunnelSpec.SecretReference("login", "user", "pass"), null),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Volume credentials = volume(pod, "corridor-credentials");
        assertThat(credentials.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(credentials.getSecret().getItems())
                .extracting("key", "path")
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("user", "username"),
                        org.assertj.core.groups.Tuple.tuple("pass", "password"));
        assertThat(pod.getSpec().getInitContainers().getFirst().getVolumeMounts())
                .filteredOn(mount -> mount.getName().equals("corridor-credentials"))
                .singleElement()
                .satisfies(mount -> assertThat(mount.getReadOnly()).isTrue());
        // Only the sidecar sees them.
        assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts()).isNullOrEmpty();
    }

    @Test
    void theTunnelsSidecarSettingsWinOverTheOperatorDefaults() {
        ResourceRequirements small = new ResourceRequirementsBuilder()
                .addToLimits("memory", new Quantity("96Mi"))
                .build();
        VpnTunnel tunnel = Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        Fixtures.GATEWAY,
                        null,
                        new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null),
                        null,
                        null,
                        null,
                        new VpnTunnelSpec.Sidecar("sidecar:2", "Always", small, "debug", null, null),
                        null,
                        null,
                        null));

        Container sidecar = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE, Fixtures.CLUSTER_DNS)
                .orElseThrow()
                .getSpec()
                .getInitContainers()
                .getFirst();
        Container defaults = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow()
                .getSpec()
                .getInitContainers()
                .getFirst();

        assertThat(sidecar.getImage()).isEqualTo("sidecar:2");
        assertThat(sidecar.getImagePullPolicy()).isEqualTo("Always");
        assertThat(sidecar.getResources()).isEqualTo(small);
        assertThat(defaults.getImage()).isEqualTo("sidecar:1");
        assertThat(defaults.getResources()).isEqualTo(DEFAULT_RESOURCES);
    }

    @Test
    void podsInTheNodesNetworkNamespaceOrOnWindowsCannotBeInjected() {
        Pod hostNetwork = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .withHostNetwork(true)
                .endSpec()
                .build();
        Pod windows = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .withNewOs("windows")
                .endSpec()
                .build();
        Pod linux = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .withHostNetwork(false)
                .withNewOs("linux")
                .endSpec()
                .build();

        assertThat(PodInjector.problems(hostNetwork, NATIVE))
                .singleElement()
                .asString()
                .startsWith("it sets hostNetwork: true;")
                .contains("the node's own network namespace");
        assertThat(PodInjector.problems(windows, NATIVE))
                .singleElement()
                .asString()
                .startsWith("it sets spec.os.name: windows;");
        assertThat(PodInjector.problems(linux, NATIVE)).isEmpty();
        assertThatThrownBy(() ->
                        PodInjector.inject(hostNetwork, Fixtures.tunnel("corp", "login"), NATIVE, Fixtures.CLUSTER_DNS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hostNetwork");
    }

    @Test
    void readinessGatesThePodTolerantlyByDefaultAndIsTheTunnelsChoice() {
        Container byDefault = sidecarWith(null, null);
        Container tuned = sidecarWith(new SidecarReadiness(null, 10, 6), null);
        Container notGating = sidecarWith(new SidecarReadiness(false, null, null), null);

        assertThat(byDefault.getReadinessProbe().getPeriodSeconds()).isEqualTo(5);
        assertThat(byDefault.getReadinessProbe().getFailureThreshold()).isEqualTo(3);
        assertThat(tuned.getReadinessProbe().getPeriodSeconds()).isEqualTo(10);
        assertThat(tuned.getReadinessProbe().getFailureThreshold()).isEqualTo(6);
        assertThat(notGating.getReadinessProbe()).isNull();
        // The application still starts only once the tunnel is up.
        for (Container sidecar : List.of(byDefault, tuned, notGating)) {
            assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
            assertThat(sidecar.getStartupProbe().getFailureThreshold()).isEqualTo(300);
        }
    }

    @Test
    void theTunnelsImagePullSecretsJoinThePodsOwnOnce() {
        Pod pod = new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editSpec()
                .addNewImagePullSecret("app-registry")
                .addNewImagePullSecret("corp-registry")
                .endSpec()
                .build();
        VpnTunnel tunnel = tunnelWith(
                null, List.of(new ImagePullSecret("corp-registry"), new ImagePullSecret("sidecar-registry")));

        Pod injected =
                PodInjector.inject(pod, tunnel, NATIVE, Fixtures.CLUSTER_DNS).orElseThrow();
        Pod plain = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        assertThat(injected.getSpec().getImagePullSecrets())
                .extracting(LocalObjectReference::getName)
                .containsExactly("app-registry", "corp-registry", "sidecar-registry");
        assertThat(plain.getSpec().getImagePullSecrets()).isNullOrEmpty();
    }

    private static Container sidecarWith(SidecarReadiness readiness, List<ImagePullSecret> pullSecrets) {
        return PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        tunnelWith(readiness, pullSecrets),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow()
                .getSpec()
                .getInitContainers()
                .getFirst();
    }

    private static VpnTunnel tunnelWith(SidecarReadiness readiness, List<ImagePullSecret> pullSecrets) {
        return Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        Fixtures.GATEWAY,
                        null,
                        new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null),
                        null,
                        null,
                        null,
                        new VpnTunnelSpec.Sidecar(null, null, null, null, readiness, pullSecrets),
                        null));
    }

    @Test
    void injectingTwiceChangesNothing() {
        Pod once = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        assertThat(PodInjector.inject(once, Fixtures.tunnel("corp", "login"), NATIVE, Fixtures.CLUSTER_DNS))
                .isEmpty();
        assertThat(PodInjector.hasSidecar(once)).isTrue();
    }

    @Test
    void theHttpPortSkipsEveryPortTheOtherContainersDeclareWithinItsEightPorts() {
        Pod pod = Fixtures.annotatedPod("web", "corp");
        pod.getSpec()
                .getContainers()
                .getFirst()
                .setPorts(List.of(
                        new ContainerPortBuilder().withContainerPort(9478).build(),
                        new ContainerPortBuilder().withContainerPort(9479).build()));

        assertThat(PodInjector.freePort(pod)).hasValue(9480);

        pod.getSpec()
                .getContainers()
                .getFirst()
                .setPorts(IntStream.rangeClosed(9478, 9485)
                        .mapToObj(port -> new ContainerPortBuilder()
                                .withContainerPort(port)
                                .build())
                        .toList());
        assertThat(PodInjector.freePort(pod)).isEmpty();
        assertThat(PodInjector.problems(pod, NATIVE))
                .containsExactly("its containers declare every port the sidecar can use (9478-9485)");
        assertThatThrownBy(
                        () -> PodInjector.inject(pod, Fixtures.tunnel("corp", "login"), NATIVE, Fixtures.CLUSTER_DNS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("every port the sidecar can use");
    }

    @Test
    void theSidecarGetsTheNodesAddressAndTheTunnelsStatusTokenReadOnly() {
        Pod pod = PodInjector.inject(
                        Fixtures.annotatedPod("web", "corp"),
                        Fixtures.tunnel("corp", "login"),
                        NATIVE,
                        Fixtures.CLUSTER_DNS)
                .orElseThrow();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("CORRIDOR_NODE_IP");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.hostIP");
        });
        Volume token = volume(pod, "corridor-status-token");
        assertThat(token.getSecret().getSecretName()).isEqualTo("corridor-corp-status-token");
        assertThat(token.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(token.getSecret().getItems())
                .extracting("key", "path")
                .containsExactly(Tuple.tuple("token", "token"));
        assertThat(sidecar.getVolumeMounts())
                .filteredOn(mount -> mount.getName().equals("corridor-status-token"))
                .singleElement()
                .satisfies(mount -> {
                    assertThat(mount.getReadOnly()).isTrue();
                    assertThat(SidecarConfiguration.render(
                                    Fixtures.tunnel("corp", "login").getSpec(), Fixtures.CLUSTER_DNS))
                            .contains("statusTokenFile: \"" + mount.getMountPath() + "/token\"");
                });
    }

    @Test
    void perPodAnnotationsMayAskOnlyForWhatTheOperatorAllows() {
        InjectionSettings allowing = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.HOST_PATH,
                DEFAULT_RESOURCES,
                new AllowedImages(List.of("registry.example.com/corridor/")));

        assertThat(PodInjector.problems(annotated("corridor.dev/log-level", "verbose"), NATIVE))
                .containsExactly(
                        "the annotation corridor.dev/log-level is 'verbose'; it takes one of error, warn, info, debug");
        assertThat(PodInjector.problems(
                        annotated("corridor.dev/image", "registry.example.com/corridor/sidecar:2"), NATIVE))
                .containsExactly(
                        "the annotation corridor.dev/image asks for image 'registry.example.com/corridor/sidecar:2', which is not among the images "
                                + "the operator allows (sidecar.allowedImages: none)");
        assertThat(PodInjector.problems(
                        annotated("corridor.dev/image", "registry.example.com/corridor-evil/sidecar:2"), allowing))
                .containsExactly(
                        "the annotation corridor.dev/image asks for image 'registry.example.com/corridor-evil/sidecar:2', which is not among the images "
                                + "the operator allows (sidecar.allowedImages: registry.example.com/corridor/)");

        Pod allowed = annotated("corridor.dev/image", "registry.example.com/corridor/sidecar:2");
        assertThat(PodInjector.problems(allowed, allowing)).isEmpty();
        Container sidecar = PodInjector.inject(
                        allowed, Fixtures.tunnel("corp", "login"), allowing, Fixtures.CLUSTER_DNS)
                .orElseThrow()
                .getSpec()
                .getInitContainers()
                .getFirst();
        assertThat(sidecar.getImage()).isEqualTo("registry.example.com/corridor/sidecar:2");
        for (String level : List.of("error", "warn", "info", "debug")) {
            assertThat(PodInjector.problems(annotated("corridor.dev/log-level", level), NATIVE))
                    .isEmpty();
        }
    }

    @Test
    void whatTheInjectorMadeIsRecognisedWithWhatTheApiServerAddsToIt() {
        InjectionSettings allowing = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.HOST_PATH,
                DEFAULT_RESOURCES,
                new AllowedImages(List.of("registry.example.com/corridor/")));
        VpnTunnel tunnel = Fixtures.tunnel("corp", "login");
        Pod plain = Fixtures.annotatedPod("web", "corp");
        Pod portTaken = new PodBuilder(plain)
                .editSpec()
                .editFirstContainer()
                .addNewPort()
                .withContainerPort(9478)
                .endPort()
                .endContainer()
                .endSpec()
                .build();
        Pod overridden = new PodBuilder(plain)
                .editMetadata()
                .addToAnnotations("corridor.dev/log-level", "debug")
                .addToAnnotations("corridor.dev/image", "registry.example.com/corridor/sidecar:2")
                .endMetadata()
                .build();

        assertThat(PodInjector.verify(injected(plain, tunnel, allowing), tunnel, allowing))
                .isEqualTo(new PodInjector.Verdict.Injected(9478));
        assertThat(PodInjector.verify(injected(portTaken, tunnel, allowing), tunnel, allowing))
                .isEqualTo(new PodInjector.Verdict.Injected(9479));
        assertThat(PodInjector.verify(injected(overridden, tunnel, allowing), tunnel, allowing))
                .isEqualTo(new PodInjector.Verdict.Injected(9478));
        InjectionSettings classic = new InjectionSettings(
                "sidecar:1",
                "IfNotPresent",
                InjectionSettings.Mode.CLASSIC,
                InjectionSettings.TunDevice.CREATE,
                DEFAULT_RESOURCES,
                AllowedImages.NONE);
        assertThat(PodInjector.verify(injected(plain, tunnel, classic), tunnel, classic))
                .isEqualTo(new PodInjector.Verdict.Injected(9478));

        // Defaults and other admission controllers: procMount, a LimitRange's resources, probe and volume defaults.
        Pod stored = injected(plain, tunnel, allowing);
        Container sidecar = stored.getSpec().getInitContainers().getFirst();
        sidecar.getSecurityContext().setProcMount("Default");
        sidecar.setResources(new ResourceRequirementsBuilder()
                .addToLimits("cpu", new Quantity("1"))
                .build());
        sidecar.getLivenessProbe().setSuccessThreshold(1);
        sidecar.setTerminationMessagePath("/dev/termination-log");
        volume(stored, "corridor-config").getConfigMap().setDefaultMode(0644);
        assertThat(PodInjector.verify(stored, tunnel, allowing)).isEqualTo(new PodInjector.Verdict.Injected(9478));
    }

    @Test
    void aContainerThatMerelyHasTheSidecarsNameIsNotRecognised() {
        VpnTunnel tunnel = Fixtures.tunnel("corp", "login");
        Pod genuine = injected(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE);

        assertThat(reason(
                        new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                                .editSpec()
                                .addNewInitContainer()
                                .withName("corridor-sidecar")
                                .withImage("sidecar:1")
                                .addNewPort()
                                .withName("corridor-http")
                                .withContainerPort(9478)
                                .endPort()
                                .endInitContainer()
                                .endSpec()
                                .build(),
                        tunnel))
                .isEqualTo(
                        "its container corridor-sidecar is not the injected one: its args, env, securityContext, volumeMounts, "
                                + "volume corridor-config, volume corridor-credentials, volume corridor-status-token, volume corridor-tun, volume corridor-tmp differ");
        assertThat(reason(edit(genuine, c -> c.setImage("registry.example.test/status-streamer:1")), tunnel))
                .isEqualTo(
                        "its container corridor-sidecar runs image 'registry.example.test/status-streamer:1', which is neither the tunnel's "
                                + "sidecar image nor an allowed one");
        assertThat(reason(edit(genuine, c -> c.setCommand(List.of("/bin/sh", "-c", "yes"))), tunnel))
                .contains("its command differ");
        assertThat(reason(edit(genuine, c -> c.setArgs(List.of("connect", "--config", "/tmp/mine.yaml"))), tunnel))
                .contains("its args differ");
        assertThat(reason(
                        edit(
                                genuine,
                                c -> c.getEnv().add(new EnvVar("JAVA_TOOL_OPTIONS", "-javaagent:/tmp/a.jar", null))),
                        tunnel))
                .contains("its env differ");
        assertThat(reason(edit(genuine, c -> c.getSecurityContext().setPrivileged(true)), tunnel))
                .contains("its securityContext differ");
        assertThat(reason(
                        edit(
                                genuine,
                                c -> c.getVolumeMounts()
                                        .add(new VolumeMountBuilder()
                                                .withName("app")
                                                .withMountPath("/opt/corridor")
                                                .build())),
                        tunnel))
                .contains("its volumeMounts differ");
        assertThat(reason(edit(genuine, c -> c.getPorts().getFirst().setContainerPort(8080)), tunnel))
                .isEqualTo("its container corridor-sidecar does not declare the one port corridor-http in 9478-9485");
        Pod otherConfig = new PodBuilder(genuine).build();
        volume(otherConfig, "corridor-config").getConfigMap().setName("corridor-other");
        assertThat(reason(otherConfig, tunnel)).contains("its volume corridor-config differ");
        assertThat(reason(Fixtures.annotatedPod("web", "corp"), tunnel))
                .isEqualTo("it has no container corridor-sidecar");
    }

    private static Pod injected(Pod pod, VpnTunnel tunnel, InjectionSettings settings) {
        return PodInjector.inject(pod, tunnel, settings, Fixtures.CLUSTER_DNS).orElseThrow();
    }

    private static String reason(Pod pod, VpnTunnel tunnel) {
        return ((PodInjector.Verdict.NotInjected) PodInjector.verify(pod, tunnel, NATIVE)).reason();
    }

    /** A copy of the pod with its sidecar container changed. */
    private static Pod edit(Pod pod, Consumer<Container> change) {
        Pod copy = new PodBuilder(pod).build();
        change.accept(copy.getSpec().getInitContainers().getFirst());
        return copy;
    }

    private static Pod annotated(String annotation, String value) {
        return new PodBuilder(Fixtures.annotatedPod("web", "corp"))
                .editMetadata()
                .addToAnnotations(annotation, value)
                .endMetadata()
                .build();
    }

    private static VpnTunnel withCa(VpnTunnelSpec.CaReference ca) {
        return Fixtures.tunnel(
                "corp",
                new VpnTunnelSpec(
                        Fixtures.GATEWAY,
                        new VpnTunnelSpec.Trust(null, ca),
                        new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    private static Volume volume(Pod pod, String name) {
        return pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
