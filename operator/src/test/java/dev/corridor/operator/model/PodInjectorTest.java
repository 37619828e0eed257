package dev.corridor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PodInjectorTest {
    private static final ResourceRequirements DEFAULT_RESOURCES = new ResourceRequirementsBuilder()
            .addToRequests("memory", new Quantity("128Mi")).addToLimits("memory", new Quantity("192Mi")).build();
    private static final InjectionSettings NATIVE = new InjectionSettings("sidecar:1", "IfNotPresent", InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH, DEFAULT_RESOURCES, AllowedImages.NONE);

    @Test
    void classicModeAddsARegularContainerAfterTheApplication() {
        InjectionSettings classic = new InjectionSettings("sidecar:1", "IfNotPresent", InjectionSettings.Mode.CLASSIC,
                InjectionSettings.TunDevice.HOST_PATH, DEFAULT_RESOURCES, AllowedImages.NONE);

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), classic).orElseThrow();

        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
        assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "corridor-sidecar");
        assertThat(pod.getSpec().getContainers().get(1).getRestartPolicy()).isNull();
    }

    @Test
    void creatingTheTunDeviceNeedsMknodAndNoHostPath() {
        InjectionSettings create = new InjectionSettings("sidecar:1", "IfNotPresent", InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.CREATE, DEFAULT_RESOURCES, AllowedImages.NONE);

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), create).orElseThrow();

        Container sidecar = pod.getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN", "MKNOD");
        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("corridor-tun");
        assertThat(sidecar.getVolumeMounts()).extracting("mountPath").doesNotContain("/dev/net/tun");
    }

    @Test
    void aCaFromASecretOrAConfigMapIsMountedWhereTheConfigurationSays() {
        VpnTunnel fromSecret = withCa(new VpnTunnelSpec.CaReference(new VpnTunnelSpec.KeyReference("corp-ca", null), null));
        VpnTunnel fromConfigMap = withCa(new VpnTunnelSpec.CaReference(null, new VpnTunnelSpec.KeyReference("corp-ca", "root.pem")));

        Pod secretPod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), fromSecret, NATIVE).orElseThrow();
        Pod configMapPod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), fromConfigMap, NATIVE).orElseThrow();

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
        assertThat(SidecarConfiguration.render(fromSecret.getSpec())).contains("cafile: \"/etc/corridor/ca/ca.crt\"");
    }

    @Test
    void credentialsAreMountedReadOnlyUnderFixedFileNames() {
        VpnTunnel tunnel = Fixtures.tunnel("corp", new VpnTunnelSpec(Fixtures.GATEWAY, null,
                new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", "user", "pass"), null), null, null, null, null, null));

        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE).orElseThrow();

        Volume credentials = volume(pod, "corridor-credentials");
        assertThat(credentials.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(credentials.getSecret().getItems()).extracting("key", "path")
                .containsExactly(org.assertj.core.groups.Tuple.tuple("user", "username"), org.assertj.core.groups.Tuple.tuple("pass", "password"));
        assertThat(pod.getSpec().getInitContainers().getFirst().getVolumeMounts())
                .filteredOn(mount -> mount.getName().equals("corridor-credentials"))
                .singleElement().satisfies(mount -> assertThat(mount.getReadOnly()).isTrue());
        // Only the sidecar sees them.
        assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts()).isNullOrEmpty();
    }

    @Test
    void theTunnelsSidecarSettingsWinOverTheOperatorDefaults() {
        ResourceRequirements small = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("96Mi")).build();
        VpnTunnel tunnel = Fixtures.tunnel("corp", new VpnTunnelSpec(Fixtures.GATEWAY, null,
                new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null), null, null, null,
                new VpnTunnelSpec.Sidecar("sidecar:2", "Always", small, "debug"), null));

        Container sidecar = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), tunnel, NATIVE).orElseThrow()
                .getSpec().getInitContainers().getFirst();
        Container defaults = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), NATIVE).orElseThrow()
                .getSpec().getInitContainers().getFirst();

        assertThat(sidecar.getImage()).isEqualTo("sidecar:2");
        assertThat(sidecar.getImagePullPolicy()).isEqualTo("Always");
        assertThat(sidecar.getResources()).isEqualTo(small);
        assertThat(defaults.getImage()).isEqualTo("sidecar:1");
        assertThat(defaults.getResources()).isEqualTo(DEFAULT_RESOURCES);
    }

    @Test
    void injectingTwiceChangesNothing() {
        Pod once = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), NATIVE).orElseThrow();

        assertThat(PodInjector.inject(once, Fixtures.tunnel("corp", "login"), NATIVE)).isEmpty();
        assertThat(PodInjector.hasSidecar(once)).isTrue();
    }

    @Test
    void theHttpPortSkipsEveryPortTheOtherContainersDeclareWithinItsEightPorts() {
        Pod pod = Fixtures.annotatedPod("web", "corp");
        pod.getSpec().getContainers().getFirst().setPorts(List.of(new ContainerPortBuilder().withContainerPort(9478).build(),
                new ContainerPortBuilder().withContainerPort(9479).build()));

        assertThat(PodInjector.freePort(pod)).hasValue(9480);

        pod.getSpec().getContainers().getFirst().setPorts(IntStream.rangeClosed(9478, 9485)
                .mapToObj(port -> new ContainerPortBuilder().withContainerPort(port).build()).toList());
        assertThat(PodInjector.freePort(pod)).isEmpty();
        assertThat(PodInjector.problems(pod, NATIVE)).containsExactly("its containers declare every port the sidecar can use (9478-9485)");
        assertThatThrownBy(() -> PodInjector.inject(pod, Fixtures.tunnel("corp", "login"), NATIVE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every port the sidecar can use");
    }

    @Test
    void theSidecarGetsTheNodesAddress() {
        Pod pod = PodInjector.inject(Fixtures.annotatedPod("web", "corp"), Fixtures.tunnel("corp", "login"), NATIVE).orElseThrow();

        assertThat(pod.getSpec().getInitContainers().getFirst().getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("CORRIDOR_NODE_IP");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.hostIP");
        });
    }

    @Test
    void perPodAnnotationsMayAskOnlyForWhatTheOperatorAllows() {
        InjectionSettings allowing = new InjectionSettings("sidecar:1", "IfNotPresent", InjectionSettings.Mode.NATIVE,
                InjectionSettings.TunDevice.HOST_PATH, DEFAULT_RESOURCES, new AllowedImages(List.of("registry.example.com/corridor/")));

        assertThat(PodInjector.problems(annotated("corridor.dev/log-level", "verbose"), NATIVE))
                .containsExactly("the annotation corridor.dev/log-level is 'verbose'; it takes one of error, warn, info, debug");
        assertThat(PodInjector.problems(annotated("corridor.dev/image", "registry.example.com/corridor/sidecar:2"), NATIVE)).containsExactly(
                "the annotation corridor.dev/image asks for image 'registry.example.com/corridor/sidecar:2', which is not among the images "
                        + "the operator allows (sidecar.allowedImages: none)");
        assertThat(PodInjector.problems(annotated("corridor.dev/image", "registry.example.com/corridor-evil/sidecar:2"), allowing)).containsExactly(
                "the annotation corridor.dev/image asks for image 'registry.example.com/corridor-evil/sidecar:2', which is not among the images "
                        + "the operator allows (sidecar.allowedImages: registry.example.com/corridor/)");

        Pod allowed = annotated("corridor.dev/image", "registry.example.com/corridor/sidecar:2");
        assertThat(PodInjector.problems(allowed, allowing)).isEmpty();
        Container sidecar = PodInjector.inject(allowed, Fixtures.tunnel("corp", "login"), allowing).orElseThrow().getSpec().getInitContainers().getFirst();
        assertThat(sidecar.getImage()).isEqualTo("registry.example.com/corridor/sidecar:2");
        for (String level : List.of("error", "warn", "info", "debug")) {
            assertThat(PodInjector.problems(annotated("corridor.dev/log-level", level), NATIVE)).isEmpty();
        }
    }

    private static Pod annotated(String annotation, String value) {
        return new PodBuilder(Fixtures.annotatedPod("web", "corp")).editMetadata().addToAnnotations(annotation, value).endMetadata().build();
    }

    private static VpnTunnel withCa(VpnTunnelSpec.CaReference ca) {
        return Fixtures.tunnel("corp", new VpnTunnelSpec(Fixtures.GATEWAY, new VpnTunnelSpec.Trust(null, ca),
                new VpnTunnelSpec.Authentication(new VpnTunnelSpec.SecretReference("login", null, null), null), null, null, null, null, null));
    }

    private static Volume volume(Pod pod, String name) {
        return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }
}
