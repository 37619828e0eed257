package dev.corridor.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.ClusterDns;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.SidecarConfiguration;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.SpecValidation;
import dev.corridor.operator.model.StatusToken;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.webhook.RunningWebhook;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.PodRoutes;
import dev.corridor.sidecar.testing.SidecarProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pod the webhook produces, run for real. The VpnTunnel and what it refers to live on the mock API server; the
 * operator's webhook answers the pod's admission, and its JSONPatch applied to the pod as written is what runs; the
 * ConfigMap comes from the operator's model. {@link Kubelet} runs the sidecar container exactly as that pod spec says (volumes and their
 * items, mounts, read-only root, capabilities, image and args) in the lab's pod namespace, probes it as the kubelet
 * does, and ends it as the kubelet does. The gateway is the lab's real ocserv.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InjectedPodIT {
    private static final String NAMESPACE = "apps";
    private static final String IMAGE = "registry.example.test/corridor-sidecar:e2e";
    /** What a pull of {@link #IMAGE} gives: this machine's JDK 25 and the packaged jar, started as the image would. */
    private static final ContainerImage SIDECAR_IMAGE = new ContainerImage(
            List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@/opt/corridor/jvm.options",
                    "-jar",
                    "/opt/corridor/corridor-sidecar.jar"),
            Map.of(
                    "/opt/corridor/jvm.options",
                    GatewayLab.repositoryRoot().resolve("sidecar/jvm.options"),
                    "/opt/corridor/corridor-sidecar.jar",
                    SidecarProcess.jar()));
    /** The application: it only has to be there, with the pod's resolv.conf, to resolve names as applications do. */
    private static final String APP_IMAGE = "registry.example.test/app:1";

    private static final ContainerImage APP = new ContainerImage(List.of("/bin/sleep", "infinity"), Map.of());
    /**
     * CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12) and CAP_MKNOD (27) as bits of the masks in /proc/PID/status
     * (linux/capability.h).
     */
    private static final long NET_BIND_SERVICE = 1L << 10;

    private static final long NET_ADMIN = 1L << 12;
    private static final long MKNOD = 1L << 27;
    /** The operator's DNS settings by default: the cluster domain, and the cluster DNS found as the Service kube-system/kube-dns. */
    private static final ClusterDns DISCOVERED = new ClusterDns(ClusterDns.DEFAULT_DOMAIN, List.of());
    /** spec.routes.include: a network the gateway does not send, which must go through the tunnel too. */
    private static final String INCLUDED = "10.21.0.0/16";
    /** spec.routes.neverRoute: stands for the cluster's pod network, which must stay on the pod's own path. */
    private static final String CLUSTER_PODS = "10.42.0.0/16";

    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final String STATUS_TOKEN = StatusToken.generate(new SecureRandom());

    static KubernetesClient client;
    private static GatewayLab lab;
    private static Kubelet.Sandbox sandbox;
    private RunningContainer container;
    private RunningContainer app;

    @BeforeAll
    static void startLab() throws Exception {
        for (String tool : List.of("unshare", "setpriv", "nsenter", "chroot", "mount", "curl")) {
            assertThat(Commands.runAllowingFailure(List.of("bash", "-c", "command -v " + tool))
                            .exitCode())
                    .as(tool + " is installed")
                    .isZero();
        }
        // A 2 s DPD gives the sidecar's debug logging something to say within seconds.
        lab = GatewayLab.start("corinj", "dpd = 2");
        // The node's address as the pod sees it: its default router, in the lab's node namespace.
        sandbox = new Kubelet.Sandbox(
                lab.podNamespace(),
                lab.get("LAB_POD_ADDRESS"),
                lab.get("LAB_NODE_NS"),
                lab.get("LAB_POD_ROUTER"),
                lab.get("LAB_CLUSTER_DNS"));
        Fixtures.installCrd(client);
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void removeThePod() throws Exception {
        if (app != null) {
            app.close();
        }
        if (container != null) {
            container.close();
        }
        // Only a failed test leaves these (a killed sidecar cannot clean up); the next test starts from a bare pod.
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "link", "del", "vpn0"));
        Commands.runAllowingFailure(List.of("ip", "-n", lab.podNamespace(), "route", "flush", "proto", "151"));
    }

    @Test
    void withTheNodesTunDeviceAndTheCaFromAConfigMapTheInjectedSidecarCarriesTheTunnel() throws Exception {
        Secret credentials = credentials("lab-login", "user", "pass");
        ConfigMap ca = new ConfigMapBuilder()
                .withMetadata(metadata("lab-ca"))
                .addToData("lab-ca.pem", Files.readString(lab.caFile()))
                .build();
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(
                        null,
                        new VpnTunnelSpec.CaReference(null, new VpnTunnelSpec.KeyReference("lab-ca", "lab-ca.pem"))),
                new VpnTunnelSpec.SecretReference("lab-login", "user", "pass"),
                null);
        assertThat(SpecValidation.validate(
                        tunnel.getSpec(),
                        Optional.of(credentials.getData().keySet()),
                        Optional.of(ca.getData().keySet())))
                .isEmpty();
        Pod pod = inject(
                tunnel,
                InjectionSettings.TunDevice.HOST_PATH,
                Map.of(SidecarLayout.LOG_LEVEL_ANNOTATION, "debug"),
                credentials,
                ca);

        ConfigMap configuration = SidecarConfiguration.configMap(tunnel, clusterDns());
        container =
                kubelet(configuration, credentials, ca, statusToken(tunnel)).start(pod, SidecarLayout.CONTAINER_NAME);
        container.awaitStarted();

        assertRunsAsItsSpecSays(configuration, NET_ADMIN | NET_BIND_SERVICE);
        assertThat(container.mounts())
                .anySatisfy(mount -> assertThat(mount.mountPoint()).isEqualTo(SidecarLayout.TUN_DEVICE));
        assertThat(container
                        .inside("cat", SidecarLayout.CA_DIRECTORY + "/" + SidecarLayout.CA_FILE)
                        .stdout())
                .isEqualTo(Files.readString(lab.caFile()));
        assertTheTunnelWorks();
        // dtls is left to its default (true) in the spec: the rendered configuration turns it on.
        await().atMost(Duration.ofSeconds(15))
                .until(() -> status().path("dtls").path("state").asText().equals("up"));

        // The annotation's log level beats the ConfigMap's logLevel (info): the sidecar logs its DPD probes.
        assertThat(configuration.getData().get(SidecarLayout.CONFIG_KEY)).contains("logLevel: \"info\"");
        assertThat(container.spec().getArgs()).containsSequence("--log-level", "debug");
        await().atMost(Duration.ofSeconds(20)).until(() -> container.output().contains(" DEBUG "));
        assertThat(container.output()).containsPattern("DEBUG (CSTP|DTLS) DPD answered in");

        assertEndsAndLeavesNothing();
    }

    @Test
    void creatingItsOwnTunDeviceWithAPinnedGatewayTheInjectedSidecarCarriesTheTunnel() throws Exception {
        Secret credentials = credentials("lab-login", "username", "password");
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(List.of(gatewayPin()), null),
                new VpnTunnelSpec.SecretReference("lab-login", null, null),
                false);
        assertThat(SpecValidation.validate(
                        tunnel.getSpec(), Optional.of(credentials.getData().keySet()), Optional.empty()))
                .isEmpty();
        Pod pod = inject(tunnel, InjectionSettings.TunDevice.CREATE, Map.of(), credentials);

        ConfigMap configuration = SidecarConfiguration.configMap(tunnel, clusterDns());
        container = kubelet(configuration, credentials, statusToken(tunnel)).start(pod, SidecarLayout.CONTAINER_NAME);
        container.awaitStarted();

        assertRunsAsItsSpecSays(configuration, NET_ADMIN | MKNOD | NET_BIND_SERVICE);
        // No volume provides the device: the sidecar made the node in the container's own /dev.
        assertThat(container.mounts())
                .noneSatisfy(mount -> assertThat(mount.mountPoint()).startsWith("/dev/net"));
        assertThat(container
                        .inside("stat", "-c", "%F %t:%T", SidecarLayout.TUN_DEVICE)
                        .stdout()
                        .strip())
                .isEqualTo("character special file a:c8");
        assertTheTunnelWorks();
        // dtls: false in the spec reached the sidecar.
        assertThat(status().path("dtls").path("state").asText()).isEqualTo("disabled");
        assertThat(status().path("transport").asText()).isEqualTo("cstp");

        // Without the annotation the sidecar logs at the ConfigMap's level (info): DPD probes run, unlogged.
        assertThat(container.spec().getArgs()).doesNotContain("--log-level");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> status().path("dpdRoundTripMillis").asDouble() > 0);
        assertThat(container.output()).doesNotContain(" DEBUG ");

        assertEndsAndLeavesNothing();
    }

    @Test
    void withoutNetAdminInItsCapabilitiesTheSidecarStopsWithItsCapabilityError() throws Exception {
        Secret credentials = credentials("lab-login", "username", "password");
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(List.of(gatewayPin()), null),
                new VpnTunnelSpec.SecretReference("lab-login", null, null),
                false);
        Pod pod = inject(tunnel, InjectionSettings.TunDevice.HOST_PATH, Map.of(), credentials);
        sidecarOf(pod).getSecurityContext().getCapabilities().setAdd(new ArrayList<>(List.of("NET_BIND_SERVICE")));

        container = kubelet(SidecarConfiguration.configMap(tunnel, clusterDns()), credentials, statusToken(tunnel))
                .start(pod, SidecarLayout.CONTAINER_NAME);

        assertThat(container.awaitExit(EXIT))
                .as("exit status: the tun device could not be set up")
                .isEqualTo(6);
        assertThat(container.output())
                .contains("creating tun device 'vpn0'")
                .contains("the container needs the NET_ADMIN capability")
                .as("checked before any login")
                .doesNotContain("connecting to");
        assertNothingLeft();
    }

    @Test
    void creatingTheTunDeviceWithoutMknodStopsWithItsDeviceError() throws Exception {
        Secret credentials = credentials("lab-login", "username", "password");
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(List.of(gatewayPin()), null),
                new VpnTunnelSpec.SecretReference("lab-login", null, null),
                false);
        Pod pod = inject(tunnel, InjectionSettings.TunDevice.CREATE, Map.of(), credentials);
        sidecarOf(pod)
                .getSecurityContext()
                .getCapabilities()
                .setAdd(new ArrayList<>(List.of("NET_ADMIN", "NET_BIND_SERVICE")));

        container = kubelet(SidecarConfiguration.configMap(tunnel, clusterDns()), credentials, statusToken(tunnel))
                .start(pod, SidecarLayout.CONTAINER_NAME);

        assertThat(container.awaitExit(EXIT))
                .as("exit status: the tun device could not be set up")
                .isEqualTo(6);
        assertThat(container.output())
                .contains("/dev/net/tun is missing, and creating it failed")
                .contains("grant the MKNOD capability as well as NET_ADMIN")
                .as("checked before any login")
                .doesNotContain("connecting to");
        assertNothingLeft();
    }

    /**
     * The application container resolves names through the pod's resolv.conf as the kubelet writes it from the
     * webhook's dnsConfig: a corporate name from the corporate DNS server behind the gateway, through the tunnel, and a
     * cluster name through the search path from the cluster DNS, which the operator found as the Service kube-dns.
     */
    @Test
    void theApplicationResolvesCorporateNamesThroughTheTunnelAndClusterNamesFromTheClusterDns() throws Exception {
        Secret credentials = credentials("lab-login", "username", "password");
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(List.of(gatewayPin()), null),
                new VpnTunnelSpec.SecretReference("lab-login", null, null),
                false);
        Pod pod = inject(tunnel, InjectionSettings.TunDevice.HOST_PATH, Map.of(), credentials);
        assertThat(clusterDns().upstream())
                .as("found as the Service kube-system/kube-dns")
                .containsExactly(lab.get("LAB_CLUSTER_DNS"));

        Kubelet kubelet =
                kubelet(SidecarConfiguration.configMap(tunnel, clusterDns()), credentials, statusToken(tunnel));
        container = kubelet.start(pod, SidecarLayout.CONTAINER_NAME);
        container.awaitStarted();
        app = kubelet.start(pod, "app");
        // Its process becomes the entrypoint once the runtime has set the container up (mounts, root, capabilities).
        Path cmdline = Path.of("/proc", Long.toString(app.pid()), "cmdline");
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        Files.readString(cmdline).startsWith(APP.entrypoint().getFirst() + "\0"));

        assertThat(app.inside("cat", "/etc/resolv.conf").stdout())
                .isEqualTo(
                        "search apps.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n");
        String vpnAddress = status().path("address").asText();
        assertThat(app.inside("getent", "ahostsv4", "db.corp.test").stdout())
                .as("a corporate name")
                .startsWith("10.20.1.10 ");
        assertThat(app.inside("getent", "ahostsv4", "kubernetes.default").stdout())
                .as("a cluster name, by the search path")
                .startsWith("10.96.0.1 ");

        assertThat(labLog("LAB_CORP_DNS_LOG"))
                .as("the corporate server was asked through the tunnel")
                .contains("query[A] db.corp.test from " + vpnAddress);
        assertThat(labLog("LAB_CLUSTER_DNS_LOG"))
                .contains("query[A] kubernetes.default.svc.cluster.local from " + lab.get("LAB_POD_ADDRESS"))
                .as("the corporate name itself never reached the cluster DNS")
                .doesNotContainPattern("query\\[\\w+] db\\.corp\\.test from");
        app.close();
        assertEndsAndLeavesNothing();
    }

    /** The forwarder's port 53 is why the sidecar gets NET_BIND_SERVICE: without it, the sidecar says so and stops. */
    @Test
    void withoutNetBindServiceTheSidecarCannotServeTheForwarderAndSaysSo() throws Exception {
        Secret credentials = credentials("lab-login", "username", "password");
        VpnTunnel tunnel = tunnel(
                new VpnTunnelSpec.Trust(List.of(gatewayPin()), null),
                new VpnTunnelSpec.SecretReference("lab-login", null, null),
                false);
        Pod pod = inject(tunnel, InjectionSettings.TunDevice.HOST_PATH, Map.of(), credentials);
        sidecarOf(pod).getSecurityContext().getCapabilities().setAdd(new ArrayList<>(List.of("NET_ADMIN")));

        container = kubelet(SidecarConfiguration.configMap(tunnel, clusterDns()), credentials, statusToken(tunnel))
                .start(pod, SidecarLayout.CONTAINER_NAME);

        assertThat(container.awaitExit(EXIT))
                .as("exit status: a configuration the sidecar cannot serve")
                .isEqualTo(2);
        assertThat(container.output()).contains("cannot serve DNS on 127.0.0.1:53");
        assertNothingLeft();
    }

    /**
     * The container runs what its spec says, as its spec says: the image's entrypoint and the container's args;
     * exactly the added capabilities in every set, no_new_privs, as root; every volumeMount where the spec puts it,
     * read-only when it says so; a read-only root with /tmp the writable emptyDir; the ConfigMap's configuration and
     * the Secret's credentials readable there; and nothing of it visible on this machine.
     */
    private void assertRunsAsItsSpecSays(ConfigMap configuration, long capabilities) throws Exception {
        Container spec = container.spec();
        assertThat(container.succeeds(spec.getReadinessProbe()))
                .as("readiness probe")
                .isTrue();
        assertThat(container.succeeds(spec.getLivenessProbe()))
                .as("liveness probe")
                .isTrue();

        List<String> commandLine = List.of(Files.readString(Path.of("/proc", Long.toString(container.pid()), "cmdline"))
                .split("\0"));
        List<String> expected = new ArrayList<>(SIDECAR_IMAGE.entrypoint());
        expected.addAll(spec.getArgs());
        assertThat(commandLine).isEqualTo(expected);
        assertThat(spec.getArgs())
                .startsWith("connect", "--config", SidecarLayout.CONFIG_DIRECTORY + "/" + SidecarLayout.CONFIG_KEY);

        Map<String, String> process = container.processStatus();
        String mask = String.format("%016x", capabilities);
        assertThat(process)
                .containsEntry("CapEff", mask)
                .containsEntry("CapPrm", mask)
                .containsEntry("CapBnd", mask)
                .containsEntry("CapInh", "0000000000000000")
                .containsEntry("CapAmb", "0000000000000000")
                .containsEntry("NoNewPrivs", "1");
        assertThat(process.get("Uid")).isEqualTo("0\t0\t0\t0");

        List<RunningContainer.Mount> mounts = container.mounts();
        assertThat(mounts)
                .filteredOn(mount -> mount.mountPoint().equals("/"))
                .singleElement()
                .satisfies(root ->
                        assertThat(root.readOnly()).as("readOnlyRootFilesystem").isTrue());
        for (VolumeMount volumeMount : spec.getVolumeMounts()) {
            assertThat(mounts)
                    .filteredOn(mount -> mount.mountPoint().equals(volumeMount.getMountPath()))
                    .singleElement()
                    .satisfies(mount -> assertThat(mount.readOnly())
                            .as(volumeMount.getMountPath() + " read-only")
                            .isEqualTo(Boolean.TRUE.equals(volumeMount.getReadOnly())));
        }
        assertThat(mounts)
                .filteredOn(mount -> mount.mountPoint().equals("/tmp"))
                .singleElement()
                .satisfies(tmp -> assertThat(tmp.type()).isEqualTo("tmpfs"))
                .satisfies(tmp -> assertThat(tmp.options()).doesNotContain("ro"));

        assertThat(container.inside("touch", "/corridor-probe").stderr()).contains("Read-only file system");
        assertThat(container
                        .inside("touch", SidecarLayout.CONFIG_DIRECTORY + "/corridor-probe")
                        .stderr())
                .contains("Read-only file system");
        assertThat(container.inside("touch", "/tmp/corridor-probe").exitCode())
                .as("the emptyDir at /tmp is writable")
                .isZero();
        assertThat(container.inside("rm", "/tmp/corridor-probe").exitCode()).isZero();

        assertThat(container
                        .inside("cat", SidecarLayout.CONFIG_DIRECTORY + "/" + SidecarLayout.CONFIG_KEY)
                        .stdout())
                .isEqualTo(configuration.getData().get(SidecarLayout.CONFIG_KEY));
        String credentials = SidecarLayout.CREDENTIALS_DIRECTORY + "/";
        assertThat(container
                        .inside(
                                "stat",
                                "-L",
                                "-c",
                                "%a %u",
                                credentials + SidecarLayout.USERNAME_FILE,
                                credentials + SidecarLayout.PASSWORD_FILE)
                        .stdout())
                .isEqualTo("400 0\n400 0\n");
        assertThat(container
                        .inside("cat", credentials + SidecarLayout.USERNAME_FILE)
                        .stdout())
                .isEqualTo(lab.user());
        // The status token where the configuration says, for root only; the node's address from the downward API.
        String tokenFile = SidecarLayout.STATUS_TOKEN_DIRECTORY + "/" + SidecarLayout.STATUS_TOKEN_KEY;
        assertThat(configuration.getData().get(SidecarLayout.CONFIG_KEY))
                .contains("statusTokenFile: \"" + tokenFile + "\"", "failClosed: true");
        assertThat(container.inside("stat", "-L", "-c", "%a %u", tokenFile).stdout())
                .isEqualTo("400 0\n");
        assertThat(container.inside("cat", tokenFile).stdout()).isEqualTo(STATUS_TOKEN);
        assertThat(container.environment()).containsEntry(SidecarLayout.NODE_IP_VARIABLE, lab.get("LAB_POD_ROUTER"));

        assertThat(Path.of("/etc/corridor"))
                .as("nothing was created on this machine")
                .doesNotExist();
        assertThat(mountsOnThisMachine())
                .noneMatch(line -> line.contains(container.directory().toString()));
    }

    /** The tunnel is up and routed as the VpnTunnel says, and a ping to a corporate host goes through it. */
    private void assertTheTunnelWorks() throws Exception {
        JsonNode status = status();
        String address = status.path("address").asText();
        assertThat(status.path("state").asText()).isEqualTo("connected");
        assertThat(status.path("server").asText()).isEqualTo(lab.get("LAB_GATEWAY_HOST"));
        assertThat(address).startsWith("10.99.0.");
        assertThat(lab.gatewayUsers()).contains(lab.user()).contains(address);

        String router = lab.get("LAB_POD_ROUTER");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .contains(
                        "10.20.0.0/16 dev vpn0 proto 151",
                        INCLUDED + " dev vpn0 proto 151",
                        CLUSTER_PODS + " via " + router + " dev eth0 proto 151");

        String corporateHost = lab.get("LAB_CORP_HOST_1");
        assertThat(lab.exec(lab.podNamespace(), "ip", "route", "get", corporateHost))
                .contains("dev vpn0");
        long sentBefore = status().path("traffic").path("packetsSent").asLong();
        assertThat(lab.exec(lab.podNamespace(), "ping", "-c", "3", "-W", "2", corporateHost))
                .contains("3 received");
        assertThat(status().path("traffic").path("packetsSent").asLong())
                .as("the pings went through the tunnel")
                .isGreaterThanOrEqualTo(sentBefore + 3);
    }

    /**
     * SIGTERM ends the sidecar within the grace period, cleanly, and it takes its device and session along. The
     * injected configuration says failClosed: what stays is the dropping routes for the tunnel's networks and the
     * paths around it, so that nothing corporate leaves in clear until the pod is gone or the sidecar is back.
     */
    private void assertEndsAndLeavesNothing() throws Exception {
        RunningContainer.Termination termination = container.stop();
        assertThat(termination.withinGracePeriod())
                .as("stopped by SIGTERM, not killed")
                .isTrue();
        assertThat(termination.exitCode())
                .as("exit status after SIGTERM:\n" + container.output())
                .isZero();
        String router = lab.get("LAB_POD_ROUTER");
        assertThat(PodRoutes.of(lab.podNamespace(), "-4"))
                .contains(
                        "unreachable 10.20.0.0/16 proto 151 metric 1000000",
                        "unreachable " + INCLUDED + " proto 151 metric 1000000",
                        CLUSTER_PODS + " via " + router + " dev eth0 proto 151");
        assertThat(Commands.runAllowingFailure(
                                List.of("ip", "-n", lab.podNamespace(), "route", "get", lab.get("LAB_CORP_HOST_1")))
                        .stderr())
                .as("where corporate traffic goes after the sidecar ended")
                .contains("No route to host");
        assertNoSidecarLeft();
    }

    /** The sidecar stopped before it set anything up: not a route of its own is in the pod. */
    private void assertNothingLeft() throws Exception {
        assertThat(Commands.run("ip", "-n", lab.podNamespace(), "route", "show", "proto", "151"))
                .isBlank();
        assertNoSidecarLeft();
    }

    private void assertNoSidecarLeft() throws Exception {
        assertThat(PodRoutes.links(lab.podNamespace())).doesNotContain("vpn0");
        assertThat(Commands.run("ip", "netns", "pids", lab.podNamespace()))
                .as("processes left in the pod namespace")
                .isBlank();
        assertThat(mountsOnThisMachine())
                .noneMatch(line -> line.contains(container.directory().toString()));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(lab.gatewayUsers()).doesNotContain(lab.user()));
    }

    /** The cluster's DNS as the operator finds it: what the reconciler renders into the ConfigMap. */
    private static ClusterDns clusterDns() {
        return new TunnelLookup(client, DISCOVERED).clusterDns();
    }

    private static String labLog(String key) throws Exception {
        Path file = Path.of(lab.get(key));
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private JsonNode status() throws Exception {
        int port = container.spec().getPorts().getFirst().getContainerPort();
        return new ObjectMapper().readTree(container.httpGet(port, "/status", "Authorization: Bearer " + STATUS_TOKEN));
    }

    private VpnTunnel tunnel(VpnTunnelSpec.Trust trust, VpnTunnelSpec.SecretReference credentials, Boolean dtls) {
        VpnTunnel tunnel = new VpnTunnel();
        tunnel.setMetadata(metadata("corp"));
        tunnel.setSpec(new VpnTunnelSpec(
                lab.gatewayUrl(),
                trust,
                new VpnTunnelSpec.Authentication(credentials, null),
                new VpnTunnelSpec.Routes(List.of(INCLUDED), null, false, List.of(CLUSTER_PODS)),
                null,
                dtls,
                null,
                null,
                null,
                null));
        return tunnel;
    }

    /**
     * An application pod as a user writes it, with the tunnel annotation, as the API server stores it after the
     * operator's webhook (native mode) answered its admission. The tunnel, the objects it refers to and its status token
     * (owned by it, as the operator makes it) are put on the API server first, as the webhook reads them there. The pod's hostAliases give the lab gateway's name an address,
     * which cluster DNS would in a cluster.
     */
    private Pod inject(
            VpnTunnel tunnel,
            InjectionSettings.TunDevice tunDevice,
            Map<String, String> annotations,
            HasMetadata... referred)
            throws Exception {
        client.resources(VpnTunnel.class)
                .inNamespace(NAMESPACE)
                .withName(tunnel.getMetadata().getName())
                .delete();
        client.secrets()
                .inNamespace(NAMESPACE)
                .withName(
                        SidecarLayout.statusTokenSecretName(tunnel.getMetadata().getName()))
                .delete();
        VpnTunnel created = client.resource(tunnel).create();
        for (HasMetadata object : referred) {
            client.resource(object).createOr(NonDeletingOperation::update);
        }
        client.resource(statusToken(created)).create();
        // The cluster DNS Service as kubeadm makes it, with the lab's cluster DNS server as its address.
        client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName(ClusterDns.SERVICE_NAME)
                        .withNamespace(ClusterDns.SERVICE_NAMESPACE)
                        .endMetadata()
                        .withNewSpec()
                        .withClusterIP(lab.get("LAB_CLUSTER_DNS"))
                        .addNewPort()
                        .withName("dns")
                        .withPort(53)
                        .withProtocol("UDP")
                        .endPort()
                        .endSpec()
                        .build())
                .createOr(NonDeletingOperation::update);
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace(NAMESPACE)
                .addToAnnotations(
                        SidecarLayout.TUNNEL_ANNOTATION, tunnel.getMetadata().getName())
                .addToAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .addNewHostAlias()
                .withIp(lab.get("LAB_GATEWAY_ADDRESS"))
                .withHostnames(lab.get("LAB_GATEWAY_HOST"))
                .endHostAlias()
                .addNewContainer()
                .withName("app")
                .withImage(APP_IMAGE)
                .withNewSecurityContext()
                .withRunAsUser(0L)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build();
        InjectionSettings settings = new InjectionSettings(
                IMAGE,
                "IfNotPresent",
                InjectionSettings.Mode.NATIVE,
                tunDevice,
                new ResourceRequirementsBuilder()
                        .addToRequests("memory", new Quantity("128Mi"))
                        .addToLimits("memory", new Quantity("192Mi"))
                        .build(),
                AllowedImages.NONE);
        try (RunningWebhook webhook = RunningWebhook.start(
                client,
                settings,
                DISCOVERED,
                WatchedNamespaces.ALL,
                new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)))) {
            return webhook.inject(pod, NAMESPACE);
        }
    }

    private static Container sidecarOf(Pod pod) {
        return pod.getSpec().getInitContainers().stream()
                .filter(c -> c.getName().equals(SidecarLayout.CONTAINER_NAME))
                .findFirst()
                .orElseThrow();
    }

    private static Kubelet kubelet(HasMetadata... objects) {
        return new Kubelet(sandbox, Map.of(IMAGE, SIDECAR_IMAGE, APP_IMAGE, APP), List.of(objects));
    }

    /** The tunnel's status-token Secret, as the operator makes it. */
    private static Secret statusToken(VpnTunnel tunnel) {
        return StatusToken.secret(tunnel, STATUS_TOKEN);
    }

    private Secret credentials(String name, String userKey, String passwordKey) {
        return new SecretBuilder()
                .withMetadata(metadata(name))
                .addToData(userKey, base64(lab.user()))
                .addToData(passwordKey, base64(lab.password()))
                .build();
    }

    /** The lab gateway's public-key pin, as openconnect prints it: SHA-256 of the certificate's SubjectPublicKeyInfo. */
    private static String gatewayPin() throws Exception {
        try (InputStream pem = Files.newInputStream(Path.of(lab.get("LAB_DIR"), "server.pem"))) {
            byte[] publicKey = CertificateFactory.getInstance("X.509")
                    .generateCertificate(pem)
                    .getPublicKey()
                    .getEncoded();
            return "pin-sha256:"
                    + Base64.getEncoder()
                            .encodeToString(MessageDigest.getInstance("SHA-256").digest(publicKey));
        }
    }

    private static List<String> mountsOnThisMachine() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo"));
    }

    private static ObjectMeta metadata(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
