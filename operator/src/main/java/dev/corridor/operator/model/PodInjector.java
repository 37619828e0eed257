package dev.corridor.operator.model;

import dev.corridor.operator.crd.ImagePullSecret;
import dev.corridor.operator.crd.SidecarReadiness;
import dev.corridor.operator.crd.TlsSecretReference;
import dev.corridor.operator.crd.TunnelDns;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Adds the sidecar to a pod: the container, its volumes and the tunnel label. Pure: the webhook turns the
 * difference into a JSONPatch. Injecting twice changes nothing, and what the pod already has (init containers,
 * volumes, security contexts, ports) keeps working. {@link #verify} tells the operator whether a pod's sidecar is one
 * this class made.
 */
public final class PodInjector {
    /** A JVM's /tmp on a read-only root: small, and in memory. */
    static final Quantity TMP_SIZE = new Quantity("16Mi");

    private PodInjector() {}

    /** Whether a pod's sidecar is one {@link #inject} made for the tunnel, and if so the port it serves on. */
    public sealed interface Verdict {
        record Injected(int port) implements Verdict {}

        record NotInjected(String reason) implements Verdict {}
    }

    /**
     * The pod with the sidecar, or empty when the pod already has it. The pod must have no {@link #problems}. With the
     * tunnel's DNS, the pod's resolv.conf names the sidecar's forwarder ({@link #ownDns} tells when the pod keeps its own).
     */
    public static Optional<Pod> inject(Pod pod, VpnTunnel tunnel, InjectionSettings settings, ClusterDns clusterDns) {
        if (hasSidecar(pod)) {
            return Optional.empty();
        }
        List<String> problems = problems(pod, settings);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the pod cannot be injected: " + String.join("; ", problems));
        }
        VpnTunnelSpec spec = tunnel.getSpec();
        Map<String, String> annotations = annotations(pod);
        String image = Optional.ofNullable(annotations.get(SidecarLayout.IMAGE_ANNOTATION))
                .orElse(tunnelImage(spec, settings));
        Container sidecar = sidecar(
                spec,
                settings,
                image,
                Optional.ofNullable(annotations.get(SidecarLayout.LOG_LEVEL_ANNOTATION)),
                freePort(pod).orElseThrow());

        PodBuilder builder = new PodBuilder(pod)
                .editMetadata()
                .addToLabels(SidecarLayout.TUNNEL_LABEL, tunnel.getMetadata().getName())
                .endMetadata();
        builder.editSpec()
                .addAllToVolumes(volumes(tunnel, settings))
                .withImagePullSecrets(imagePullSecrets(pod, spec))
                .endSpec();
        if (settings.mode() == InjectionSettings.Mode.NATIVE) {
            List<Container> initContainers = new ArrayList<>();
            initContainers.add(sidecar); // first, so that the pod's own init containers have the tunnel too
            if (pod.getSpec().getInitContainers() != null) {
                initContainers.addAll(pod.getSpec().getInitContainers());
            }
            builder.editSpec().withInitContainers(initContainers).endSpec();
        } else {
            builder.editSpec().addToContainers(sidecar).endSpec();
        }
        if (TunnelDns.enabled(spec.dns()) && ownDns(pod).isEmpty()) {
            builder.editSpec()
                    .withDnsPolicy("None")
                    .withDnsConfig(forwarderDns(pod, clusterDns))
                    .endSpec();
        }
        return Optional.of(builder.build());
    }

    /**
     * Why a pod keeps its own DNS although its tunnel has DNS: a dnsPolicy of None (its own dnsConfig) or Default (the
     * node's resolvers) is the pod author's choice. Empty for ClusterFirst (the default) and ClusterFirstWithHostNet.
     */
    public static Optional<String> ownDns(Pod pod) {
        String policy = pod.getSpec().getDnsPolicy();
        return "None".equals(policy) || "Default".equals(policy)
                ? Optional.of("the pod sets dnsPolicy: " + policy
                        + ", so it keeps its own DNS; corporate names resolve only if it names the "
                        + "sidecar's forwarder (" + SidecarLayout.DNS_ADDRESS + ") itself")
                : Optional.empty();
    }

    /**
     * What kubelet writes for ClusterFirst, with the forwarder as the nameserver (it sends cluster names to the cluster
     * DNS): the cluster's search path and ndots:5, then the pod's own dnsConfig merged in as kubelet merges it. The
     * forwarder is the only nameserver of ours (a resolver moves on to the next one after a SERVFAIL, and a corporate
     * name must reach no other server); nameservers the pod adds itself follow it, as they follow the cluster DNS.
     */
    private static PodDNSConfig forwarderDns(Pod pod, ClusterDns clusterDns) {
        PodDNSConfig own = Optional.ofNullable(pod.getSpec().getDnsConfig()).orElseGet(PodDNSConfig::new);
        List<String> nameservers = new ArrayList<>(List.of(SidecarLayout.DNS_ADDRESS));
        orEmpty(own.getNameservers()).stream()
                .filter(server -> !nameservers.contains(server))
                .forEach(nameservers::add);
        List<String> searches =
                new ArrayList<>(clusterDns.searches(pod.getMetadata().getNamespace()));
        orEmpty(own.getSearches()).stream()
                .filter(search -> !searches.contains(search))
                .forEach(searches::add);
        List<PodDNSConfigOption> options = new ArrayList<>();
        if (orEmpty(own.getOptions()).stream().noneMatch(option -> "ndots".equals(option.getName()))) {
            options.add(new PodDNSConfigOption("ndots", SidecarLayout.DNS_NDOTS));
        }
        options.addAll(orEmpty(own.getOptions()));
        return new PodDNSConfigBuilder()
                .withNameservers(nameservers)
                .withSearches(searches)
                .withOptions(options)
                .build();
    }

    /**
     * What keeps the pod from being injected, each naming the field or annotation and what is allowed: the node's
     * network namespace (hostNetwork) or a Windows pod, a log level the sidecar does not know (it would fail to
     * start), an image the operator does not allow (it would run with the sidecar's capabilities and mounts), or no
     * free port for the sidecar. Empty when nothing does.
     */
    public static List<String> problems(Pod pod, InjectionSettings settings) {
        Map<String, String> annotations = annotations(pod);
        List<String> problems = new ArrayList<>();
        if (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            problems.add(
                    "it sets hostNetwork: true; the sidecar would put the tunnel and its routes into the node's own network "
                            + "namespace, where the tunnels of two such pods on one node would remove each other's routes");
        }
        if (pod.getSpec() != null
                && pod.getSpec().getOs() != null
                && "windows".equalsIgnoreCase(pod.getSpec().getOs().getName())) {
            problems.add(
                    "it sets spec.os.name: windows; the sidecar runs only on Linux nodes (it needs a Linux network namespace and /dev/net/tun)");
        }
        String level = annotations.get(SidecarLayout.LOG_LEVEL_ANNOTATION);
        if (level != null && !SidecarLayout.LOG_LEVELS.contains(level)) {
            problems.add("the annotation " + SidecarLayout.LOG_LEVEL_ANNOTATION + " is '" + level
                    + "'; it takes one of " + String.join(", ", SidecarLayout.LOG_LEVELS));
        }
        String image = annotations.get(SidecarLayout.IMAGE_ANNOTATION);
        if (image != null && !settings.allowedImages().allows(image)) {
            problems.add("the annotation " + SidecarLayout.IMAGE_ANNOTATION + " asks for image '" + image
                    + "', which is not among the images the operator allows (sidecar.allowedImages: "
                    + settings.allowedImages() + ")");
        }
        if (freePort(pod).isEmpty()) {
            problems.add("its containers declare every port the sidecar can use (" + SidecarLayout.DEFAULT_HTTP_PORT
                    + "-" + SidecarLayout.LAST_HTTP_PORT + ")");
        }
        return problems;
    }

    public static boolean hasSidecar(Pod pod) {
        return sidecarContainer(pod).isPresent();
    }

    /** The sidecar, among the pod's init containers (native mode) or its containers (classic mode). */
    public static Optional<Container> sidecarContainer(Pod pod) {
        return allContainers(pod)
                .filter(container -> SidecarLayout.CONTAINER_NAME.equals(container.getName()))
                .findFirst();
    }

    /**
     * Whether the pod's sidecar is what {@link #inject} makes for this tunnel, not just a container of that name: the
     * image (the tunnel's, or one the operator allows), no command, the arguments (a log level the sidecar knows, the
     * port), the environment, the port, the security context, and the mounts with the volumes behind them (the
     * configuration from this tunnel's ConfigMap, the token from its Secret). Resources, pull policy and probes are
     * not compared: admission controllers and the API server may fill them in.
     */
    public static Verdict verify(Pod pod, VpnTunnel tunnel, InjectionSettings settings) {
        Optional<Container> found = sidecarContainer(pod);
        if (found.isEmpty()) {
            return new Verdict.NotInjected("it has no container " + SidecarLayout.CONTAINER_NAME);
        }
        Container actual = found.get();
        List<ContainerPort> ports = orEmpty(actual.getPorts());
        if (ports.size() != 1
                || !SidecarLayout.PORT_NAME.equals(ports.getFirst().getName())
                || ports.getFirst().getContainerPort() == null
                || ports.getFirst().getContainerPort() < SidecarLayout.DEFAULT_HTTP_PORT
                || ports.getFirst().getContainerPort() > SidecarLayout.LAST_HTTP_PORT) {
            return new Verdict.NotInjected("its container " + SidecarLayout.CONTAINER_NAME
                    + " does not declare the one port " + SidecarLayout.PORT_NAME + " in "
                    + SidecarLayout.DEFAULT_HTTP_PORT + "-" + SidecarLayout.LAST_HTTP_PORT);
        }
        int port = ports.getFirst().getContainerPort();
        String image = actual.getImage();
        if (!tunnelImage(tunnel.getSpec(), settings).equals(image)
                && (image == null || !settings.allowedImages().allows(image))) {
            return new Verdict.NotInjected("its container " + SidecarLayout.CONTAINER_NAME + " runs image '" + image
                    + "', which is neither the tunnel's sidecar image nor an allowed one");
        }
        Container expected = sidecar(tunnel.getSpec(), settings, image, logLevel(orEmpty(actual.getArgs())), port);
        Map<String, Volume> podVolumes = orEmpty(pod.getSpec().getVolumes()).stream()
                .collect(Collectors.toMap(Volume::getName, volume -> volume, (first, second) -> first));
        List<String> differences = new ArrayList<>();
        differ(differences, "command", orEmpty(actual.getCommand()), orEmpty(expected.getCommand()));
        differ(differences, "args", orEmpty(actual.getArgs()), expected.getArgs());
        differ(differences, "env", orEmpty(actual.getEnv()), expected.getEnv());
        differ(differences, "envFrom", orEmpty(actual.getEnvFrom()), List.of());
        differ(differences, "securityContext", normalised(actual.getSecurityContext()), expected.getSecurityContext());
        differ(differences, "volumeMounts", orEmpty(actual.getVolumeMounts()), expected.getVolumeMounts());
        for (Volume volume : volumes(tunnel, settings)) {
            differ(
                    differences,
                    "volume " + volume.getName(),
                    Optional.ofNullable(podVolumes.get(volume.getName()))
                            .map(PodInjector::source)
                            .orElse("none"),
                    source(volume));
        }
        return differences.isEmpty()
                ? new Verdict.Injected(port)
                : new Verdict.NotInjected("its container " + SidecarLayout.CONTAINER_NAME
                        + " is not the injected one: its " + String.join(", ", differences) + " differ");
    }

    private static Stream<Container> allContainers(Pod pod) {
        return Stream.concat(
                orEmpty(pod.getSpec().getInitContainers()).stream(),
                orEmpty(pod.getSpec().getContainers()).stream());
    }

    /** The HTTP port the sidecar serves on in this pod: the default, or the next one no container declares. */
    static OptionalInt freePort(Pod pod) {
        Set<Integer> taken = allContainers(pod)
                .flatMap(container -> orEmpty(container.getPorts()).stream())
                .map(ContainerPort::getContainerPort)
                .collect(Collectors.toSet());
        return IntStream.rangeClosed(SidecarLayout.DEFAULT_HTTP_PORT, SidecarLayout.LAST_HTTP_PORT)
                .filter(port -> !taken.contains(port))
                .findFirst();
    }

    static String tunnelImage(VpnTunnelSpec spec, InjectionSettings settings) {
        return Optional.ofNullable(spec.sidecar())
                .map(VpnTunnelSpec.Sidecar::image)
                .orElse(settings.image());
    }

    /** The log level the arguments give the sidecar, when it is one the sidecar knows. */
    private static Optional<String> logLevel(List<String> args) {
        int flag = args.indexOf("--log-level");
        return flag >= 0 && flag + 1 < args.size() && SidecarLayout.LOG_LEVELS.contains(args.get(flag + 1))
                ? Optional.of(args.get(flag + 1))
                : Optional.empty();
    }

    static Container sidecar(
            VpnTunnelSpec spec, InjectionSettings settings, String image, Optional<String> logLevel, int port) {
        VpnTunnelSpec.Sidecar sidecar = spec.sidecar();
        String pullPolicy = Optional.ofNullable(sidecar)
                .map(VpnTunnelSpec.Sidecar::imagePullPolicy)
                .orElse(settings.imagePullPolicy());
        List<String> args = new ArrayList<>(
                List.of("connect", "--config", SidecarLayout.CONFIG_DIRECTORY + "/" + SidecarLayout.CONFIG_KEY));
        logLevel.ifPresent(level -> args.addAll(List.of("--log-level", level)));
        if (port != SidecarLayout.DEFAULT_HTTP_PORT) {
            args.addAll(List.of("--http-address", "0.0.0.0:" + port));
        }
        ContainerBuilder container = new ContainerBuilder()
                .withName(SidecarLayout.CONTAINER_NAME)
                .withImage(image)
                .withImagePullPolicy(pullPolicy)
                .withArgs(args)
                .addNewEnv()
                .withName(SidecarLayout.NODE_IP_VARIABLE)
                .withNewValueFrom()
                .withNewFieldRef()
                .withApiVersion("v1")
                .withFieldPath("status.hostIP")
                .endFieldRef()
                .endValueFrom()
                .endEnv()
                .addNewPort()
                .withName(SidecarLayout.PORT_NAME)
                .withContainerPort(port)
                .withProtocol("TCP")
                .endPort()
                // Held until the tunnel is up: the application starts only then (native sidecar), up to five minutes.
                .withStartupProbe(probe("/readyz", port, 1, 300))
                .withReadinessProbe(readinessProbe(spec, port))
                .withLivenessProbe(probe("/healthz", port, 10, 3))
                .withSecurityContext(securityContext(settings.tunDevice(), TunnelDns.enabled(spec.dns())))
                .withResources(resources(
                        Optional.ofNullable(sidecar)
                                .map(VpnTunnelSpec.Sidecar::resources)
                                .orElse(settings.resources()),
                        settings))
                .withVolumeMounts(mounts(spec, settings));
        if (settings.mode() == InjectionSettings.Mode.NATIVE) {
            container.withRestartPolicy("Always");
        }
        return container.build();
    }

    /** The tunnel's readiness gating: none (the pod's Ready ignores the tunnel once started), or its thresholds. */
    private static Probe readinessProbe(VpnTunnelSpec spec, int port) {
        SidecarReadiness readiness = Optional.ofNullable(spec.sidecar())
                .map(VpnTunnelSpec.Sidecar::readiness)
                .orElse(SidecarReadiness.DEFAULT)
                .withDefaults();
        return readiness.gating()
                ? probe("/readyz", port, readiness.periodSeconds(), readiness.failureThreshold())
                : null;
    }

    /** The pod's image pull secrets, then the tunnel's that it lacks. */
    private static List<LocalObjectReference> imagePullSecrets(Pod pod, VpnTunnelSpec spec) {
        List<LocalObjectReference> secrets =
                new ArrayList<>(orEmpty(pod.getSpec().getImagePullSecrets()));
        List<ImagePullSecret> tunnelSecrets = Optional.ofNullable(spec.sidecar())
                .map(VpnTunnelSpec.Sidecar::imagePullSecrets)
                .orElse(List.of());
        for (ImagePullSecret secret : tunnelSecrets) {
            if (secrets.stream().noneMatch(existing -> secret.name().equals(existing.getName()))) {
                secrets.add(new LocalObjectReference(secret.name()));
            }
        }
        return secrets.isEmpty() ? pod.getSpec().getImagePullSecrets() : secrets;
    }

    private static Probe probe(String path, int port, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withHttpGet(new HTTPGetActionBuilder()
                        .withPath(path)
                        .withPort(new IntOrString(port))
                        .build())
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(2)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    /** With a device plugin, one unit of its tun resource joins the sidecar's limits (and requests, if it has some). */
    private static ResourceRequirements resources(ResourceRequirements resources, InjectionSettings settings) {
        if (settings.tunDevice() != InjectionSettings.TunDevice.DEVICE_PLUGIN) {
            return resources;
        }
        ResourceRequirementsBuilder withDevice = new ResourceRequirementsBuilder(
                        resources == null ? new ResourceRequirements() : resources)
                .addToLimits(settings.tunDeviceResource(), new Quantity("1"));
        if (resources != null
                && resources.getRequests() != null
                && !resources.getRequests().isEmpty()) {
            withDevice.addToRequests(
                    settings.tunDeviceResource(), new Quantity("1")); // extended resources: requests equal limits
        }
        return withDevice.build();
    }

    /**
     * NET_ADMIN for the tun device and routes, every other capability dropped, not privileged unless the operator is
     * set to {@link InjectionSettings.TunDevice#PRIVILEGED} (the API server refuses privileged without privilege
     * escalation). The sidecar runs as root inside the container: the kernel checks NET_ADMIN against the user
     * namespace, not against the user. The DNS forwarder's port 53 needs NET_BIND_SERVICE.
     */
    private static SecurityContext securityContext(InjectionSettings.TunDevice tunDevice, boolean dns) {
        List<String> add = new ArrayList<>(List.of("NET_ADMIN"));
        if (tunDevice == InjectionSettings.TunDevice.CREATE) {
            add.add("MKNOD");
        }
        if (dns) {
            add.add("NET_BIND_SERVICE");
        }
        boolean privileged = tunDevice == InjectionSettings.TunDevice.PRIVILEGED;
        return new SecurityContextBuilder()
                .withNewCapabilities()
                .withAdd(add)
                .withDrop("ALL")
                .endCapabilities()
                .withAllowPrivilegeEscalation(privileged)
                .withPrivileged(privileged)
                .withReadOnlyRootFilesystem(true)
                .withRunAsUser(0L)
                .withRunAsNonRoot(false)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build();
    }

    private static List<VolumeMount> mounts(VpnTunnelSpec spec, InjectionSettings settings) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(mount(SidecarLayout.CONFIG_VOLUME, SidecarLayout.CONFIG_DIRECTORY, true));
        if (spec.authentication().secretRef() != null) {
            mounts.add(mount(SidecarLayout.CREDENTIALS_VOLUME, SidecarLayout.CREDENTIALS_DIRECTORY, true));
        }
        mounts.add(mount(SidecarLayout.STATUS_TOKEN_VOLUME, SidecarLayout.STATUS_TOKEN_DIRECTORY, true));
        if (spec.trust() != null && spec.trust().ca() != null) {
            mounts.add(mount(SidecarLayout.CA_VOLUME, SidecarLayout.CA_DIRECTORY, true));
        }
        for (Volume volume : authenticationVolumes(spec.authentication())) {
            mounts.add(mount(volume.getName(), AUTHENTICATION_DIRECTORIES.get(volume.getName()), true));
        }
        if (settings.tunDevice() == InjectionSettings.TunDevice.HOST_PATH) {
            mounts.add(mount(SidecarLayout.TUN_VOLUME, SidecarLayout.TUN_DEVICE, false));
        }
        mounts.add(mount(SidecarLayout.TMP_VOLUME, "/tmp", false));
        return mounts;
    }

    private static VolumeMount mount(String volume, String path, boolean readOnly) {
        VolumeMount mount = new VolumeMount();
        mount.setName(volume);
        mount.setMountPath(path);
        mount.setReadOnly(readOnly);
        return mount;
    }

    static List<Volume> volumes(VpnTunnel tunnel, InjectionSettings settings) {
        VpnTunnelSpec spec = tunnel.getSpec();
        VpnTunnelSpec.SecretReference credentials = spec.authentication().secretRef();
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName(SidecarLayout.CONFIG_VOLUME)
                .withNewConfigMap()
                .withName(SidecarLayout.configMapName(tunnel.getMetadata().getName()))
                .endConfigMap()
                .build());
        if (credentials != null) {
            volumes.add(new VolumeBuilder()
                    .withName(SidecarLayout.CREDENTIALS_VOLUME)
                    .withNewSecret()
                    .withSecretName(credentials.name())
                    .withDefaultMode(0400)
                    .withItems(
                            item(orDefault(credentials.usernameKey(), "username"), SidecarLayout.USERNAME_FILE),
                            item(orDefault(credentials.passwordKey(), "password"), SidecarLayout.PASSWORD_FILE))
                    .endSecret()
                    .build());
        }
        volumes.add(new VolumeBuilder()
                .withName(SidecarLayout.STATUS_TOKEN_VOLUME)
                .withNewSecret()
                .withSecretName(
                        SidecarLayout.statusTokenSecretName(tunnel.getMetadata().getName()))
                .withDefaultMode(0400)
                .withItems(item(SidecarLayout.STATUS_TOKEN_KEY, SidecarLayout.STATUS_TOKEN_KEY))
                .endSecret()
                .build());
        VpnTunnelSpec.CaReference ca =
                spec.trust() == null ? null : spec.trust().ca();
        if (ca != null && ca.secret() != null) {
            volumes.add(new VolumeBuilder()
                    .withName(SidecarLayout.CA_VOLUME)
                    .withNewSecret()
                    .withSecretName(ca.secret().name())
                    .withItems(item(orDefault(ca.secret().key(), "ca.crt"), SidecarLayout.CA_FILE))
                    .endSecret()
                    .build());
        } else if (ca != null && ca.configMap() != null) {
            volumes.add(new VolumeBuilder()
                    .withName(SidecarLayout.CA_VOLUME)
                    .withNewConfigMap()
                    .withName(ca.configMap().name())
                    .withItems(item(orDefault(ca.configMap().key(), "ca.crt"), SidecarLayout.CA_FILE))
                    .endConfigMap()
                    .build());
        }
        volumes.addAll(authenticationVolumes(spec.authentication()));
        if (settings.tunDevice() == InjectionSettings.TunDevice.HOST_PATH) {
            volumes.add(new VolumeBuilder()
                    .withName(SidecarLayout.TUN_VOLUME)
                    .withNewHostPath()
                    .withPath(SidecarLayout.TUN_DEVICE)
                    .withType("CharDevice")
                    .endHostPath()
                    .build());
        }
        volumes.add(new VolumeBuilder()
                .withName(SidecarLayout.TMP_VOLUME)
                .withNewEmptyDir()
                .withMedium("Memory")
                .withSizeLimit(TMP_SIZE)
                .endEmptyDir()
                .build());
        return volumes;
    }

    private static final Map<String, String> AUTHENTICATION_DIRECTORIES = Map.of(
            SidecarLayout.TOKEN_VOLUME, SidecarLayout.TOKEN_DIRECTORY,
            SidecarLayout.CLIENT_CERTIFICATE_VOLUME, SidecarLayout.CLIENT_CERTIFICATE_DIRECTORY,
            SidecarLayout.MCA_CERTIFICATE_VOLUME, SidecarLayout.MCA_CERTIFICATE_DIRECTORY,
            SidecarLayout.COOKIE_VOLUME, SidecarLayout.COOKIE_DIRECTORY);

    /**
     * The Secrets spec.authentication names beyond the credentials, each as a volume of the keys the sidecar reads under
     * the file names its configuration gives (SidecarConfiguration), readable by root alone.
     */
    private static List<Volume> authenticationVolumes(VpnTunnelSpec.Authentication authentication) {
        List<Volume> volumes = new ArrayList<>();
        if (authentication.totp() != null) {
            volumes.add(secretVolume(
                    SidecarLayout.TOKEN_VOLUME,
                    authentication.totp().secretRef().name(),
                    item(authentication.totp().secretRef().key(), SidecarLayout.TOKEN_SEED_FILE)));
        }
        if (authentication.clientCertificate() != null) {
            volumes.add(tlsVolume(SidecarLayout.CLIENT_CERTIFICATE_VOLUME, authentication.clientCertificate()));
        }
        if (authentication.mcaCertificate() != null) {
            volumes.add(tlsVolume(SidecarLayout.MCA_CERTIFICATE_VOLUME, authentication.mcaCertificate()));
        }
        if (authentication.cookieSecretRef() != null) {
            volumes.add(secretVolume(
                    SidecarLayout.COOKIE_VOLUME,
                    authentication.cookieSecretRef().name(),
                    item(authentication.cookieSecretRef().key(), SidecarLayout.COOKIE_FILE)));
        }
        return volumes;
    }

    private static Volume tlsVolume(String name, TlsSecretReference tls) {
        return secretVolume(
                name,
                tls.secretName(),
                item(TlsSecretReference.CERTIFICATE_KEY, TlsSecretReference.CERTIFICATE_KEY),
                item(TlsSecretReference.PRIVATE_KEY_KEY, TlsSecretReference.PRIVATE_KEY_KEY));
    }

    private static Volume secretVolume(String name, String secret, KeyToPath... items) {
        return new VolumeBuilder()
                .withName(name)
                .withNewSecret()
                .withSecretName(secret)
                .withDefaultMode(0400)
                .withItems(items)
                .endSecret()
                .build();
    }

    private static KeyToPath item(String key, String path) {
        KeyToPath item = new KeyToPath();
        item.setKey(key);
        item.setPath(path);
        return item;
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static Map<String, String> annotations(Pod pod) {
        return Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
    }

    /** What a volume mounts: its kind and the object or path behind it, without what the API server fills in. */
    private static String source(Volume volume) {
        if (volume.getConfigMap() != null) {
            return "configMap " + volume.getConfigMap().getName();
        }
        if (volume.getSecret() != null) {
            return "secret " + volume.getSecret().getSecretName();
        }
        if (volume.getHostPath() != null) {
            return "hostPath " + volume.getHostPath().getPath();
        }
        if (volume.getEmptyDir() != null) {
            return "emptyDir " + volume.getEmptyDir().getMedium();
        }
        return "another kind of volume";
    }

    /** The API server fills in procMount: Default, which the injector leaves out. */
    private static SecurityContext normalised(SecurityContext context) {
        return context == null || !"Default".equals(context.getProcMount())
                ? context
                : new SecurityContextBuilder(context).withProcMount(null).build();
    }

    private static void differ(List<String> differences, String what, Object actual, Object expected) {
        if (!Objects.equals(actual, expected)) {
            differences.add(what);
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
