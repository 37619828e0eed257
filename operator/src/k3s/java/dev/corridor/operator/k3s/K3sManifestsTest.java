package dev.corridor.operator.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import dev.corridor.operator.chart.FakeApiServer;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What CorridorK3sIT deploys and builds, checked without Docker. Every manifest is well-formed for fabric8's model
 * (which would otherwise keep a misspelt field aside and let it be ignored), names only the images the suite builds
 * and never pulls them, and the pieces agree: the tunnel is valid for the operator, points at the gateway's Service
 * and the name its certificate carries, logs in with the gateway's account, and the workloads get the sidecar. The
 * repository's .dockerignore and Dockerfiles are in the forms SuiteImages reads.
 */
class K3sManifestsTest {
    private static final List<String> FILES = List.of("corp-gateway.yaml", "apps-tunnel.yaml", "apps-job.yaml", "apps-deployment.yaml",
            "apps-orphan-pod.yaml");
    private static final JsonMapper STRICT = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final InjectionSettings INJECTION = new InjectionSettings(SuiteImages.SIDECAR.reference(), "Never",
            InjectionSettings.Mode.NATIVE, InjectionSettings.TunDevice.HOST_PATH, new ResourceRequirements(), AllowedImages.NONE);

    @Test
    void theManifestDirectoryHoldsExactlyTheFilesTheSuiteUses() throws IOException {
        try (Stream<Path> files = Files.list(Manifests.DIRECTORY)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactlyInAnyOrderElementsOf(FILES);
        }
    }

    @Test
    void everyFieldOfEveryManifestIsOneTheModelKnows() throws IOException {
        for (String file : FILES) {
            for (HasMetadata object : Manifests.read(file)) {
                assertThat(unknownFields(object, file + ": " + object.getKind() + "/" + object.getMetadata().getName())).isEmpty();
            }
        }
        // The VpnTunnel is the operator's own class, not fabric8's model: Jackson checks it field by field.
        for (JsonNode document : new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(Manifests.DIRECTORY.resolve("apps-tunnel.yaml"))).readAll()) {
            if ("VpnTunnel".equals(document.path("kind").asText())) {
                assertThat(STRICT.treeToValue(document, VpnTunnel.class).getSpec()).isNotNull();
            }
        }
    }

    /** The search itself finds what it looks for: a misspelt field, however deep. */
    @Test
    void aMisspeltFieldIsFound() {
        Job job = new KubernetesSerialization().unmarshal("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: typo}
                spec:
                  template:
                    spec:
                      containers:
                        - name: fetch
                          image: corridor-e2e-gateway:e2e
                          imagePullPolcy: Never
                """, Job.class);

        assertThat(unknownFields(job, "job")).containsExactly("job.spec.template.spec.containers[0].imagePullPolcy");
    }

    @Test
    void everyContainerRunsAnImageTheSuiteBuildsAndNeverPullsIt() {
        List<Container> containers = FILES.stream().flatMap(file -> Manifests.read(file).stream()).map(K3sManifestsTest::podTemplate)
                .flatMap(Optional::stream).flatMap(spec -> spec.getContainers().stream()).toList();

        assertThat(containers).hasSize(4).allSatisfy(container -> {
            assertThat(SuiteImages.ALL).extracting(SuiteImages.Image::reference).contains(container.getImage());
            assertThat(container.getImagePullPolicy()).as(container.getName()).isEqualTo("Never");
        });
    }

    @Test
    void theTunnelIsValidAndPointsAtTheGatewaysServiceAndCertificateName() {
        VpnTunnel tunnel = one("apps-tunnel.yaml", VpnTunnel.class);
        Secret credentials = one("apps-tunnel.yaml", Secret.class);
        Service service = one("corp-gateway.yaml", Service.class);
        Container gateway = one("corp-gateway.yaml", Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst();

        // The IT creates ConfigMap corp-ca with the one key ca.crt, which spec.trust.ca.configMap.key defaults to.
        assertThat(SpecValidation.validate(tunnel.getSpec(), Optional.of(credentials.getStringData().keySet()), Optional.of(Set.of("ca.crt")))).isEmpty();
        assertThat(tunnel.getSpec().trust().ca().configMap().name()).isEqualTo("corp-ca");
        URI url = URI.create(tunnel.getSpec().gateway());
        assertThat(url.getHost()).isEqualTo(service.getMetadata().getName() + "." + service.getMetadata().getNamespace() + ".svc.cluster.local")
                .isEqualTo(env(gateway, "GATEWAY_HOST").getValue());
        assertThat(url.getPort()).as("the default HTTPS port").isEqualTo(-1);
        assertThat(service.getSpec().getPorts()).extracting(port -> port.getPort() + "/" + port.getProtocol()).containsExactlyInAnyOrder("443/TCP", "443/UDP");
        assertThat(service.getSpec().getSelector()).isEqualTo(one("corp-gateway.yaml", Deployment.class).getSpec().getTemplate().getMetadata().getLabels());
        // k3s's default cluster networks stay out of the tunnel.
        assertThat(tunnel.getSpec().routes().neverRoute()).containsExactly("10.42.0.0/16", "10.43.0.0/16");
    }

    @Test
    void theTunnelLogsInWithTheAccountTheGatewayAccepts() {
        Secret client = one("apps-tunnel.yaml", Secret.class);
        Secret gateway = one("corp-gateway.yaml", Secret.class);
        Container ocserv = one("corp-gateway.yaml", Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst();

        assertThat(client.getMetadata().getName()).isEqualTo(one("apps-tunnel.yaml", VpnTunnel.class).getSpec().authentication().secretRef().name());
        assertThat(client.getStringData()).isEqualTo(gateway.getStringData());
        assertThat(env(ocserv, "VPN_USER").getValueFrom().getSecretKeyRef().getName()).isEqualTo(gateway.getMetadata().getName());
        assertThat(env(ocserv, "VPN_USER").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
        assertThat(env(ocserv, "VPN_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
    }

    @Test
    void theJobAndTheDeploymentGetTheSidecarWithTheGatewaysCa() {
        VpnTunnel tunnel = one("apps-tunnel.yaml", VpnTunnel.class);
        for (PodTemplateSpec template : List.of(one("apps-job.yaml", Job.class).getSpec().getTemplate(),
                one("apps-deployment.yaml", Deployment.class).getSpec().getTemplate())) {
            assertThat(template.getMetadata().getAnnotations()).containsEntry("corridor.dev/tunnel", tunnel.getMetadata().getName());
            Pod pod = new PodBuilder().withMetadata(template.getMetadata()).withSpec(template.getSpec()).build();

            Pod injected = PodInjector.inject(pod, tunnel, INJECTION, Fixtures.CLUSTER_DNS).orElseThrow();

            assertThat(injected.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("corridor-sidecar");
            assertThat(injected.getSpec().getVolumes()).anySatisfy(volume -> assertThat(volume.getConfigMap()).isNotNull()
                    .satisfies(configMap -> assertThat(configMap.getName()).isEqualTo("corp-ca")));
        }
        assertThat(one("apps-orphan-pod.yaml", Pod.class).getMetadata().getAnnotations()).containsEntry("corridor.dev/tunnel", "no-such-tunnel");
    }

    /**
     * Rendered by Helm itself with the values CorridorRelease installs with, so the schema has accepted them: installed
     * on the chart tests' fake API server, as helm-java's template reports Kubernetes v1.20, below the chart's kubeVersion.
     */
    @Test
    void theChartRunsTheSuitesImagesWithoutPullingThem() throws IOException {
        Deployment operator;
        try (FakeApiServer cluster = FakeApiServer.serving(FakeApiServer.KUBERNETES)) {
            InstallCommand install = new Helm(CorridorRelease.CHART).install().withName(CorridorRelease.NAME).withNamespace(CorridorRelease.NAMESPACE)
                    .withKubeConfigContents(cluster.kubeconfig()).disableOpenApiValidation();
            CorridorRelease.VALUES.forEach(install::set);
            install.call();
            KubernetesSerialization serialization = new KubernetesSerialization();
            operator = cluster.created().stream().filter(object -> object.path("kind").asText().equals("Deployment"))
                    .map(object -> serialization.convertValue(object, Deployment.class)).findFirst().orElseThrow();
        }

        Container container = operator.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).isEqualTo(SuiteImages.OPERATOR.reference());
        assertThat(container.getImagePullPolicy()).isEqualTo("Never");
        assertThat(env(container, "CORRIDOR_SIDECAR_IMAGE").getValue()).isEqualTo(SuiteImages.SIDECAR.reference());
        assertThat(env(container, "CORRIDOR_SIDECAR_IMAGE_PULL_POLICY").getValue()).isEqualTo("Never");
        // The defaults the suite exercises: a native sidecar, and the node's /dev/net/tun.
        assertThat(env(container, "CORRIDOR_INJECTION_MODE").getValue()).isEqualTo("native");
        assertThat(env(container, "CORRIDOR_TUN_DEVICE").getValue()).isEqualTo("hostPath");
        assertThat(env(container, "CORRIDOR_WEBHOOK_CONFIGURATION").getValue()).isEqualTo(CorridorRelease.NAME);
    }

    @Test
    void theRepositoryDockerfilesBuildWithTheLegacyBuilderOnceTheirCacheMountIsDropped() throws IOException {
        for (String dockerfile : List.of("operator/Dockerfile", "sidecar/Dockerfile")) {
            String original = Files.readString(Repository.ROOT.resolve(dockerfile));

            String legacy = SuiteImages.forLegacyBuilder(dockerfile, original);

            assertThat(legacy).doesNotContain("--mount").contains("RUN ./mvnw -B -q -pl ");
            assertThat(legacy.lines().count()).isEqualTo(original.lines().count());
        }
    }

    @Test
    void aBuildKitFeatureOtherThanTheCacheMountIsRefusedByName() {
        assertThatThrownBy(() -> SuiteImages.forLegacyBuilder("x/Dockerfile", "FROM debian\nRUN --mount=type=secret,id=token make\n"))
                .hasMessage("x/Dockerfile uses RUN --mount=type=secret,id=token, which only BuildKit builds; Testcontainers builds with the legacy builder");
        assertThatThrownBy(() -> SuiteImages.forLegacyBuilder("x/Dockerfile", "# syntax=docker/dockerfile:1\nFROM debian\n"))
                .hasMessageContaining("# syntax=");
    }

    @Test
    void theBuildContextIsWhatDockerignoreLetsIn() throws IOException {
        List<String> context = SuiteImages.buildContext(Files.readAllLines(Repository.ROOT.resolve(".dockerignore")));

        assertThat(context).contains("mvnw", "pom.xml", ".mvn", "operator/pom.xml", "operator/src/main", "sidecar/pom.xml", "sidecar/src/main",
                "sidecar/jvm.options");
        assertThatThrownBy(() -> SuiteImages.buildContext(List.of("target/", "*.log"))).hasMessageContaining("does not start with '*'");
        assertThatThrownBy(() -> SuiteImages.buildContext(List.of("*", "!src/**/*.java"))).hasMessageContaining("'!src/**/*.java'");
    }

    private static <T> T one(String file, Class<T> type) {
        List<T> matching = Manifests.read(file).stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).as("objects of type " + type.getSimpleName() + " in " + file).hasSize(1);
        return matching.getFirst();
    }

    private static Optional<PodSpec> podTemplate(HasMetadata object) {
        return switch (object) {
            case Pod pod -> Optional.of(pod.getSpec());
            case Job job -> Optional.of(job.getSpec().getTemplate().getSpec());
            case Deployment deployment -> Optional.of(deployment.getSpec().getTemplate().getSpec());
            default -> Optional.empty();
        };
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(variable -> name.equals(variable.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no variable " + name));
    }

    /**
     * The fields fabric8's model did not recognise, by path: each model object keeps them in its additional
     * properties instead of failing, so they are looked for everywhere in the object.
     */
    static List<String> unknownFields(Object value, String path) {
        List<String> found = new ArrayList<>();
        collectUnknownFields(value, path, found);
        return found;
    }

    private static void collectUnknownFields(Object value, String path, List<String> found) {
        switch (value) {
            case null -> {
            }
            case Collection<?> items -> {
                int index = 0;
                for (Object item : items) {
                    collectUnknownFields(item, path + "[" + index++ + "]", found);
                }
            }
            case Map<?, ?> map -> map.forEach((key, item) -> collectUnknownFields(item, path + "." + key, found));
            default -> {
                if (!value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
                    return;
                }
                for (Method getter : value.getClass().getMethods()) {
                    if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                        continue;
                    }
                    Object property = invoke(getter, value);
                    if (getter.getName().equals("getAdditionalProperties")) {
                        ((Map<?, ?>) property).keySet().forEach(key -> found.add(path + "." + key));
                    } else {
                        String field = getter.getName().substring(3);
                        collectUnknownFields(property, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), found);
                    }
                }
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("could not read " + getter + ": " + e, e);
        }
    }
}
