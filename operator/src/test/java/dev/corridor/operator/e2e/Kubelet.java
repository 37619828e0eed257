package dev.corridor.operator.e2e;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Plays the kubelet and the container runtime (containerd with runc) for one container of a pod, on this machine,
 * from the pod spec alone, so that a test runs the container the webhook produced rather than one it assembled.
 *
 * <p>What it models:
 * <ul>
 *   <li>the network: the container runs in the pod's network namespace, and probes come from the node's namespace
 *       to the pod IP, as the kubelet's do;</li>
 *   <li>the file system: a private mount namespace whose root is the image (an overlay over this machine's root,
 *       whose writable layer is a tmpfs that goes with the namespace), with a fresh /proc, a /dev tmpfs holding
 *       only null, zero, full, random, urandom and tty, /dev/shm and a read-only /sys, as runc mounts them; then every
 *       volumeMount bind-mounted at its mountPath (read-only when it says so), the kubelet's /etc/hosts from the
 *       pod's hostAliases, its /etc/resolv.conf from the pod's dnsPolicy and dnsConfig (as containerd writes what the
 *       kubelet hands it), and the root remounted read-only when readOnlyRootFilesystem says so;</li>
 *   <li>volumes as the kubelet writes them: configMap and secret items (keys to paths, with their modes) in a
 *       timestamped directory behind a {@code ..data} link, emptyDir of medium Memory as a tmpfs of its sizeLimit,
 *       hostPath after checking its type;</li>
 *   <li>the security context: the user and group, no supplementary groups, every capability set reduced to exactly
 *       {@code capabilities.add}, and no_new_privs when allowPrivilegeEscalation is false;</li>
 *   <li>the environment: the image's PATH, then the container's variables, literal or the node's address from the
 *       downward API ({@code status.hostIP}).</li>
 * </ul>
 *
 * <p>Not modelled: seccomp profiles, the device cgroup, resource limits, the PID, UTS and IPC namespaces, and runc's
 * masked /proc paths. A container that uses a field this class does not model is refused rather than run otherwise.
 */
final class Kubelet {
    /** The image's environment: a container starts with the image's PATH and nothing of this JVM's environment. */
    private static final String IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The devices runc gives every container; /dev/net/tun is not one of them. */
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

    private static final DateTimeFormatter DATA_DIRECTORY =
            DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.SSSSSSSSS");
    /** The mode bits of a character device in st_mode (S_IFMT, S_IFCHR). */
    private static final int FILE_TYPE = 0170000;

    private static final int CHARACTER_DEVICE = 0020000;

    /**
     * Where a pod's containers run.
     *
     * @param networkNamespace the pod's network namespace
     * @param podIp            its address, which probes are sent to
     * @param nodeNamespace    the node's network namespace, from which the kubelet probes
     * @param hostIp           the node's address, as the downward API's status.hostIP gives it
     * @param clusterDns       the cluster DNS Service's address, the nameserver of ClusterFirst pods (the kubelet's --cluster-dns)
     */
    record Sandbox(String networkNamespace, String podIp, String nodeNamespace, String hostIp, String clusterDns) {}

    /** The kubelet's --cluster-domain. */
    static final String CLUSTER_DOMAIN = "cluster.local";

    private final Sandbox sandbox;
    private final Map<String, ContainerImage> images;
    private final List<HasMetadata> objects;

    /**
     * @param images  what each image name runs (an unknown name fails as a pull would)
     * @param objects the ConfigMaps and Secrets the API server holds in the pod's namespace
     */
    Kubelet(Sandbox sandbox, Map<String, ContainerImage> images, List<HasMetadata> objects) {
        this.sandbox = sandbox;
        this.images = images;
        this.objects = objects;
    }

    /** Starts the pod's container (or init container) of this name and returns at once, as the runtime does. */
    RunningContainer start(Pod pod, String containerName) throws IOException {
        Container container = Stream.concat(
                        pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(containerName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the pod has no container '" + containerName + "'"));
        refuseUnmodelled(container);
        ContainerImage image = images.get(container.getImage());
        if (image == null) {
            throw new IllegalStateException("image '" + container.getImage()
                    + "' cannot be pulled (ErrImagePull): this kubelet knows " + images.keySet());
        }
        Path directory = Files.createTempDirectory("corridor-pod-");
        try {
            Path script = directory.resolve("runtime.sh");
            Files.writeString(script, runtimeScript(pod, container, image, directory));
            Path log = directory.resolve("container.log");
            ProcessBuilder builder = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            sandbox.networkNamespace(),
                            "unshare",
                            "--mount",
                            "--propagation",
                            "private",
                            "bash",
                            script.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().clear();
            builder.environment().put("PATH", IMAGE_PATH);
            for (EnvVar variable : container.getEnv()) {
                builder.environment()
                        .put(
                                variable.getName(),
                                variable.getValueFrom() == null ? variable.getValue() : sandbox.hostIp());
            }
            // ip, unshare, bash and the runtime script exec one another: the process started here becomes the
            // container's.
            Process process = builder.start();
            long grace = pod.getSpec().getTerminationGracePeriodSeconds() == null
                    ? 30
                    : pod.getSpec().getTerminationGracePeriodSeconds();
            return new RunningContainer(process, container, sandbox, directory, log, grace);
        } catch (IOException | RuntimeException e) {
            RunningContainer.deleteTree(directory);
            throw e;
        }
    }

    /** The bash script that sets the container up inside its mount namespace and then becomes it (exec). */
    private String runtimeScript(Pod pod, Container container, ContainerImage image, Path directory)
            throws IOException {
        Path layer = Files.createDirectory(directory.resolve("layer"));
        Path root = Files.createDirectory(directory.resolve("rootfs"));
        Path volumes = Files.createDirectory(directory.resolve("volumes"));
        List<String> lines = new ArrayList<>(List.of("set -euo pipefail"));

        // The image is this machine's root seen through an overlay whose writable layer is a tmpfs: mount points
        // such as /etc/corridor can be made without writing to this machine, and all of it goes with the namespace.
        lines.add("mount -t tmpfs -o mode=0755 corridor-layer " + q(layer));
        lines.add("mkdir " + q(layer.resolve("upper")) + " " + q(layer.resolve("work")));
        lines.add("mount -t overlay -o "
                + q("lowerdir=/,upperdir=" + layer.resolve("upper") + ",workdir=" + layer.resolve("work"))
                + " corridor-rootfs " + q(root));
        for (Map.Entry<String, Path> file : image.files().entrySet()) {
            Path target = inside(root, file.getKey());
            lines.add("mkdir -p " + q(target.getParent()));
            lines.add("cp " + q(file.getValue()) + " " + q(target));
        }

        // What runc mounts in every container. /dev is its own tmpfs, so /dev/net/tun exists only if a volume brings
        // it.
        lines.add("mount -t proc -o nosuid,noexec,nodev proc " + q(inside(root, "/proc")));
        lines.add("mount -t tmpfs -o nosuid,strictatime,mode=0755,size=65536k tmpfs " + q(inside(root, "/dev")));
        for (String device : DEVICES) {
            Path target = inside(root, "/dev/" + device);
            lines.add("touch " + q(target) + " && mount --bind /dev/" + device + " " + q(target));
        }
        lines.add("mkdir " + q(inside(root, "/dev/shm")));
        lines.add("mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm " + q(inside(root, "/dev/shm")));
        lines.add("mount -t sysfs -o ro,nosuid,nodev,noexec sysfs " + q(inside(root, "/sys")));

        Map<String, Volume> podVolumes =
                pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, Function.identity()));
        // containerd mounts parents before children: by depth of the mount path.
        List<VolumeMount> mounts = container.getVolumeMounts().stream()
                .sorted(Comparator.comparingLong(
                        m -> m.getMountPath().chars().filter(c -> c == '/').count()))
                .toList();
        for (VolumeMount mount : mounts) {
            Volume volume = podVolumes.get(mount.getName());
            if (volume == null) {
                throw new IllegalStateException("volumeMount '" + mount.getName() + "' names no volume of the pod");
            }
            Path source = materialise(volume, volumes, lines);
            Path target = inside(root, mount.getMountPath());
            lines.add(
                    Files.isDirectory(source)
                            ? "mkdir -p " + q(target)
                            : "mkdir -p " + q(target.getParent()) + " && touch " + q(target));
            lines.add("mount --bind " + q(source) + " " + q(target));
            if (Boolean.TRUE.equals(mount.getReadOnly())) {
                lines.add("mount -o remount,bind,ro " + q(target));
            }
        }

        Path hosts = directory.resolve("hosts");
        Files.writeString(hosts, hostsFile(pod));
        lines.add(
                "mount --bind " + q(hosts) + " " + q(inside(root, "/etc/hosts"))); // writable, as the kubelet mounts it
        Path resolvConf = directory.resolve("resolv.conf");
        Files.writeString(resolvConf, resolvConf(pod));
        lines.add("mount --bind " + q(resolvConf) + " " + q(inside(root, "/etc/resolv.conf")));

        SecurityContext security = container.getSecurityContext();
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            lines.add("mount -o remount,bind,ro " + q(root));
        }

        // setpriv runs as root with every capability and hands the entrypoint exactly the added ones: for uid 0, the
        // bounding set becomes the permitted and effective sets at exec; inheritable (and so ambient) stay empty.
        List<String> command = new ArrayList<>(List.of(
                "chroot",
                root.toString(),
                "setpriv",
                "--reuid=" + security.getRunAsUser(),
                "--regid=" + (security.getRunAsGroup() == null ? 0 : security.getRunAsGroup()),
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=" + boundingSet(security.getCapabilities().getAdd())));
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            command.add("--no-new-privs");
        }
        command.add("--");
        command.addAll(image.entrypoint());
        command.addAll(container.getArgs());
        lines.add("exec " + command.stream().map(Kubelet::q).collect(Collectors.joining(" ")));
        return String.join("\n", lines) + "\n";
    }

    /** Makes a volume's content on this machine (in memory, for emptyDir) and returns what to bind-mount. */
    private Path materialise(Volume volume, Path volumes, List<String> lines) throws IOException {
        if (volume.getConfigMap() != null) {
            ConfigMap configMap = object(ConfigMap.class, volume.getConfigMap().getName());
            Map<String, byte[]> data = configMap.getData().entrySet().stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().getBytes(StandardCharsets.UTF_8)));
            return writeItems(
                    volumes.resolve(volume.getName()),
                    "ConfigMap '" + configMap.getMetadata().getName() + "'",
                    data,
                    volume.getConfigMap().getItems(),
                    volume.getConfigMap().getDefaultMode());
        }
        if (volume.getSecret() != null) {
            Secret secret = object(Secret.class, volume.getSecret().getSecretName());
            Map<String, byte[]> data = secret.getData().entrySet().stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> Base64.getDecoder().decode(e.getValue())));
            return writeItems(
                    volumes.resolve(volume.getName()),
                    "Secret '" + secret.getMetadata().getName() + "'",
                    data,
                    volume.getSecret().getItems(),
                    volume.getSecret().getDefaultMode());
        }
        if (volume.getEmptyDir() != null
                && "Memory".equals(volume.getEmptyDir().getMedium())
                && volume.getEmptyDir().getSizeLimit() != null) {
            Path directory = Files.createDirectory(volumes.resolve(volume.getName()));
            long bytes = Quantity.getAmountInBytes(volume.getEmptyDir().getSizeLimit())
                    .longValueExact();
            lines.add(
                    "mount -t tmpfs -o size=" + bytes + ",mode=0777 corridor-" + volume.getName() + " " + q(directory));
            return directory;
        }
        if (volume.getHostPath() != null
                && "CharDevice".equals(volume.getHostPath().getType())) {
            Path path = Path.of(volume.getHostPath().getPath());
            int mode = Files.exists(path) ? (Integer) Files.getAttribute(path, "unix:mode") : 0;
            if ((mode & FILE_TYPE) != CHARACTER_DEVICE) {
                throw new IllegalStateException(
                        "hostPath " + path + " is not a character device: the kubelet would not start the pod");
            }
            return path;
        }
        throw new IllegalArgumentException(
                "volume '" + volume.getName() + "' is of a kind this kubelet does not model");
    }

    /**
     * Writes a ConfigMap's or Secret's items as the kubelet's atomic writer does: the files in a timestamped
     * directory, {@code ..data} linking to it, and each item's first path component linking through {@code ..data}.
     * Without items, every key becomes a file of its name. A missing key stops the pod, as it does on a node.
     */
    private static Path writeItems(
            Path directory, String what, Map<String, byte[]> data, List<KeyToPath> items, Integer defaultMode)
            throws IOException {
        List<KeyToPath> chosen = items == null || items.isEmpty()
                ? data.keySet().stream()
                        .sorted()
                        .map(key -> new KeyToPath(key, null, key))
                        .toList()
                : items;
        String dataDirectory = LocalDateTime.now(ZoneId.systemDefault()).format(DATA_DIRECTORY);
        Path files = Files.createDirectories(directory.resolve(dataDirectory));
        Set<String> linked = new TreeSet<>();
        for (KeyToPath item : chosen) {
            byte[] content = data.get(item.getKey());
            if (content == null) {
                throw new IllegalStateException(
                        what + " has no key '" + item.getKey() + "': the kubelet would not start the pod");
            }
            Path file = files.resolve(item.getPath());
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            int mode = item.getMode() != null ? item.getMode() : defaultMode != null ? defaultMode : 0644;
            Files.setPosixFilePermissions(file, permissions(mode));
            linked.add(Path.of(item.getPath()).getName(0).toString());
        }
        Files.createSymbolicLink(directory.resolve("..data"), Path.of(dataDirectory));
        for (String name : linked) {
            Files.createSymbolicLink(directory.resolve(name), Path.of("..data", name));
        }
        return directory;
    }

    /** The kubelet's /etc/hosts for a pod: localhost, the pod's own name and the pod's hostAliases. */
    private String hostsFile(Pod pod) {
        StringBuilder hosts = new StringBuilder("""
                # Kubernetes-managed hosts file.
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::0\tip6-localnet
                fe00::0\tip6-mcastprefix
                fe00::1\tip6-allnodes
                fe00::2\tip6-allrouters
                """);
        hosts.append(sandbox.podIp())
                .append('\t')
                .append(pod.getMetadata().getName())
                .append('\n');
        List<HostAlias> aliases = pod.getSpec().getHostAliases();
        if (!aliases.isEmpty()) {
            hosts.append("\n# Entries added by HostAliases.\n");
            for (HostAlias alias : aliases) {
                hosts.append(alias.getIp())
                        .append('\t')
                        .append(String.join("\t", alias.getHostnames()))
                        .append('\n');
            }
        }
        return hosts.toString();
    }

    /**
     * The pod's resolv.conf: for dnsPolicy None, its dnsConfig alone; for ClusterFirst (the default), the cluster DNS,
     * the search path {@code <ns>.svc.<domain>}, {@code svc.<domain>}, {@code <domain>} and ndots:5, with the dnsConfig
     * merged in (its nameservers and searches after the kubelet's, its options over the kubelet's of the same name).
     * Written as containerd writes what the kubelet hands it: search, nameservers, options.
     */
    String resolvConf(Pod pod) {
        String policy = pod.getSpec().getDnsPolicy() == null
                ? "ClusterFirst"
                : pod.getSpec().getDnsPolicy();
        PodDNSConfig config = pod.getSpec().getDnsConfig() == null
                ? new PodDNSConfig()
                : pod.getSpec().getDnsConfig();
        List<String> nameservers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        switch (policy) {
            case "None" -> {}
            case "ClusterFirst" -> {
                nameservers.add(sandbox.clusterDns());
                String namespace = pod.getMetadata().getNamespace();
                searches.addAll(List.of(namespace + ".svc." + CLUSTER_DOMAIN, "svc." + CLUSTER_DOMAIN, CLUSTER_DOMAIN));
                options.put("ndots", "5");
            }
            default -> throw new IllegalArgumentException("dnsPolicy " + policy + " is not modelled");
        }
        config.getNameservers().stream()
                .filter(server -> !nameservers.contains(server))
                .forEach(nameservers::add);
        config.getSearches().stream()
                .filter(search -> !searches.contains(search))
                .forEach(searches::add);
        config.getOptions().forEach(option -> options.put(option.getName(), option.getValue()));
        if (nameservers.isEmpty()) {
            throw new IllegalStateException(
                    "dnsPolicy " + policy + " without a nameserver: the API server would refuse the pod");
        }
        StringBuilder content = new StringBuilder();
        if (!searches.isEmpty()) {
            content.append("search ").append(String.join(" ", searches)).append('\n');
        }
        nameservers.forEach(
                server -> content.append("nameserver ").append(server).append('\n'));
        if (!options.isEmpty()) {
            content.append("options ")
                    .append(options.entrySet().stream()
                            .map(option -> option.getValue() == null
                                    ? option.getKey()
                                    : option.getKey() + ":" + option.getValue())
                            .collect(Collectors.joining(" ")))
                    .append('\n');
        }
        return content.toString();
    }

    private <T extends HasMetadata> T object(Class<T> kind, String name) {
        return objects.stream()
                .filter(kind::isInstance)
                .map(kind::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        kind.getSimpleName() + " '" + name + "' does not exist: the kubelet would not start the pod"));
    }

    /** setpriv's form of a bounding set that holds exactly these Kubernetes capability names. */
    private static String boundingSet(List<String> add) {
        return "-all"
                + add.stream().map(name -> ",+" + name.toLowerCase(Locale.ROOT)).collect(Collectors.joining());
    }

    /** Fails for what this kubelet would otherwise run differently from a real one. */
    private static void refuseUnmodelled(Container container) {
        List<String> unmodelled = new ArrayList<>();
        if (!container.getCommand().isEmpty()) {
            unmodelled.add("command");
        }
        if (!container.getEnvFrom().isEmpty()
                || container.getEnv().stream()
                        .anyMatch(variable -> variable.getValueFrom() != null
                                && (variable.getValueFrom().getFieldRef() == null
                                        || !"status.hostIP"
                                                .equals(variable.getValueFrom()
                                                        .getFieldRef()
                                                        .getFieldPath())))) {
            unmodelled.add("envFrom, or env from the downward API other than status.hostIP");
        }
        if (container.getWorkingDir() != null || container.getLifecycle() != null) {
            unmodelled.add("workingDir or lifecycle");
        }
        SecurityContext security = container.getSecurityContext();
        if (security == null
                || security.getCapabilities() == null
                || !security.getCapabilities().getDrop().contains("ALL")) {
            unmodelled.add("a capability set that keeps the runtime's defaults (drop ALL is modelled)");
        } else if (Boolean.TRUE.equals(security.getPrivileged())
                || !Long.valueOf(0).equals(security.getRunAsUser())
                || security.getSeLinuxOptions() != null
                || security.getAppArmorProfile() != null
                || security.getProcMount() != null) {
            unmodelled.add("privileged, a user other than 0 (runAsUser), SELinux, AppArmor or procMount");
        }
        for (VolumeMount mount : container.getVolumeMounts()) {
            if (mount.getSubPath() != null
                    || mount.getSubPathExpr() != null
                    || mount.getMountPropagation() != null
                    || mount.getRecursiveReadOnly() != null) {
                unmodelled.add(
                        "subPath, mountPropagation or recursiveReadOnly on volumeMount '" + mount.getName() + "'");
            }
        }
        for (Probe probe : Stream.of(
                        container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe())
                .filter(Objects::nonNull)
                .toList()) {
            HTTPGetAction get = probe.getHttpGet();
            if (get == null
                    || get.getHost() != null
                    || !(get.getScheme() == null || "HTTP".equals(get.getScheme()))
                    || !get.getHttpHeaders().isEmpty()
                    || get.getPort().getIntVal() == null) {
                unmodelled.add("a probe other than an HTTP GET to a numbered port of the pod IP");
            }
        }
        if (!unmodelled.isEmpty()) {
            throw new IllegalArgumentException(
                    "container '" + container.getName() + "' uses what this kubelet does not model: " + unmodelled);
        }
    }

    private static Path inside(Path root, String containerPath) {
        return root.resolve(containerPath.substring(1));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits =
                PosixFilePermission.values(); // OWNER_READ (0400) first, OTHERS_EXECUTE (0001) last
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    /** Quotes a word for bash. */
    private static String q(Object word) {
        return "'" + word.toString().replace("'", "'\\''") + "'";
    }
}
