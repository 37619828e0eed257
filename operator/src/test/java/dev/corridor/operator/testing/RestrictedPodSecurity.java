package dev.corridor.operator.testing;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The rules of the {@code restricted} Pod Security Standard, which includes the {@code baseline} one, as the
 * Kubernetes documentation states them (https://kubernetes.io/docs/concepts/security/pod-security-standards/), for a
 * pod's spec: what the API server's PodSecurity admission would refuse in a namespace labelled
 * {@code pod-security.kubernetes.io/enforce: restricted}. Each violation names the container or field and the rule.
 */
public final class RestrictedPodSecurity {
    /** Restricted "Volume Types": only these. */
    private static final Set<String> VOLUME_TYPES = Set.of(
            "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");
    /** Baseline "Sysctls": the safe set. */
    private static final Set<String> SAFE_SYSCTLS = Set.of(
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Set<String> SELINUX_TYPES =
            Set.of("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t");

    private RestrictedPodSecurity() {}

    /** Every rule the pod breaks; empty when it passes the restricted level. */
    public static List<String> violations(Pod pod) {
        PodSpec spec = pod.getSpec();
        PodSecurityContext podContext =
                Optional.ofNullable(spec.getSecurityContext()).orElse(new PodSecurityContext());
        List<String> violations = new ArrayList<>();
        // Baseline: host namespaces, HostProcess, hostPath volumes, sysctls, pod-level seccomp, SELinux, AppArmor.
        if (Boolean.TRUE.equals(spec.getHostNetwork())
                || Boolean.TRUE.equals(spec.getHostPID())
                || Boolean.TRUE.equals(spec.getHostIPC())) {
            violations.add("pod: host namespaces (hostNetwork, hostPID, hostIPC) must be unset or false");
        }
        if (podContext.getWindowsOptions() != null
                && Boolean.TRUE.equals(podContext.getWindowsOptions().getHostProcess())) {
            violations.add("pod: windowsOptions.hostProcess must be unset or false");
        }
        for (String sysctl :
                orEmpty(podContext.getSysctls()).stream().map(Sysctl::getName).toList()) {
            if (!SAFE_SYSCTLS.contains(sysctl)) {
                violations.add("pod: sysctl " + sysctl + " is not in the safe set");
            }
        }
        seLinux(
                "pod",
                podContext.getSeLinuxOptions() == null
                        ? null
                        : podContext.getSeLinuxOptions().getType(),
                podContext.getSeLinuxOptions() == null
                        ? null
                        : podContext.getSeLinuxOptions().getUser(),
                podContext.getSeLinuxOptions() == null
                        ? null
                        : podContext.getSeLinuxOptions().getRole(),
                violations);
        appArmor(
                "pod",
                podContext.getAppArmorProfile() == null
                        ? null
                        : podContext.getAppArmorProfile().getType(),
                violations);
        for (Volume volume : orEmpty(spec.getVolumes())) {
            String type = volumeType(volume);
            if (!VOLUME_TYPES.contains(type)) {
                violations.add("volume " + volume.getName() + ": type " + type
                        + " is not allowed (hostPath and other non-ephemeral sources are forbidden)");
            }
        }
        if (Boolean.FALSE.equals(podContext.getRunAsNonRoot())) {
            violations.add("pod: runAsNonRoot must not be false");
        }
        if (Long.valueOf(0).equals(podContext.getRunAsUser())) {
            violations.add("pod: runAsUser must not be 0");
        }
        String podSeccomp = Optional.ofNullable(podContext.getSeccompProfile())
                .map(SeccompProfile::getType)
                .orElse(null);
        if (podSeccomp != null && !podSeccomp.equals("RuntimeDefault") && !podSeccomp.equals("Localhost")) {
            violations.add("pod: seccompProfile.type must be RuntimeDefault or Localhost, not " + podSeccomp);
        }
        Stream<Map.Entry<String, SecurityContext>> containers = Stream.of(
                        orEmpty(spec.getInitContainers()).stream()
                                .map(c -> Map.entry("init container " + c.getName(), context(c))),
                        orEmpty(spec.getContainers()).stream()
                                .map(c -> Map.entry("container " + c.getName(), context(c))),
                        orEmpty(spec.getEphemeralContainers()).stream()
                                .map(c -> Map.entry("ephemeral container " + c.getName(), context(c))))
                .flatMap(s -> s);
        containers.forEach(entry -> container(entry.getKey(), entry.getValue(), podContext, violations));
        Stream.concat(orEmpty(spec.getInitContainers()).stream(), orEmpty(spec.getContainers()).stream())
                .forEach(container -> hostPorts(container, violations));
        return violations;
    }

    private static void container(
            String name, SecurityContext context, PodSecurityContext pod, List<String> violations) {
        if (Boolean.TRUE.equals(context.getPrivileged())) {
            violations.add(name + ": privileged must be unset or false");
        }
        if (context.getWindowsOptions() != null
                && Boolean.TRUE.equals(context.getWindowsOptions().getHostProcess())) {
            violations.add(name + ": windowsOptions.hostProcess must be unset or false");
        }
        if (context.getProcMount() != null && !context.getProcMount().equals("Default")) {
            violations.add(name + ": procMount must be unset or Default");
        }
        seLinux(
                name,
                context.getSeLinuxOptions() == null
                        ? null
                        : context.getSeLinuxOptions().getType(),
                context.getSeLinuxOptions() == null
                        ? null
                        : context.getSeLinuxOptions().getUser(),
                context.getSeLinuxOptions() == null
                        ? null
                        : context.getSeLinuxOptions().getRole(),
                violations);
        appArmor(
                name,
                context.getAppArmorProfile() == null
                        ? null
                        : context.getAppArmorProfile().getType(),
                violations);
        // Restricted.
        if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
            violations.add(name + ": allowPrivilegeEscalation must be false");
        }
        boolean nonRoot = context.getRunAsNonRoot() != null
                ? context.getRunAsNonRoot()
                : Boolean.TRUE.equals(pod.getRunAsNonRoot());
        if (!nonRoot) {
            violations.add(name + ": runAsNonRoot must be true (on the container or the pod)");
        }
        if (Long.valueOf(0).equals(context.getRunAsUser())) {
            violations.add(name + ": runAsUser must not be 0");
        }
        String seccomp = Optional.ofNullable(context.getSeccompProfile())
                .or(() -> Optional.ofNullable(pod.getSeccompProfile()))
                .map(SeccompProfile::getType)
                .orElse(null);
        if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
            violations.add(name
                    + ": seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod), not "
                    + seccomp);
        }
        Capabilities capabilities =
                Optional.ofNullable(context.getCapabilities()).orElse(new Capabilities());
        if (!orEmpty(capabilities.getDrop()).contains("ALL")) {
            violations.add(name + ": capabilities must drop ALL");
        }
        for (String added : orEmpty(capabilities.getAdd())) {
            if (!added.equals("NET_BIND_SERVICE")) {
                violations.add(name + ": capability " + added + " may not be added (only NET_BIND_SERVICE)");
            }
        }
    }

    private static void hostPorts(Container container, List<String> violations) {
        for (ContainerPort port : orEmpty(container.getPorts())) {
            if (port.getHostPort() != null && port.getHostPort() != 0) {
                violations.add("container " + container.getName() + ": hostPort " + port.getHostPort()
                        + " must be unset or 0");
            }
        }
    }

    private static void seLinux(String name, String type, String user, String role, List<String> violations) {
        if (type != null && !SELINUX_TYPES.contains(type)) {
            violations.add(name + ": seLinuxOptions.type " + type + " is not allowed");
        }
        if ((user != null && !user.isEmpty()) || (role != null && !role.isEmpty())) {
            violations.add(name + ": seLinuxOptions.user and .role must be unset");
        }
    }

    private static void appArmor(String name, String type, List<String> violations) {
        if (type != null && !type.equals("RuntimeDefault") && !type.equals("Localhost")) {
            violations.add(name + ": appArmorProfile.type must be RuntimeDefault or Localhost, not " + type);
        }
    }

    private static SecurityContext context(Container container) {
        return Optional.ofNullable(container.getSecurityContext()).orElse(new SecurityContext());
    }

    private static SecurityContext context(EphemeralContainer container) {
        return Optional.ofNullable(container.getSecurityContext()).orElse(new SecurityContext());
    }

    /** The volume's source, as the pod spec names it. */
    private static String volumeType(Volume volume) {
        Map<?, ?> fields = SERIALIZATION.convertValue(volume, Map.class);
        return fields.keySet().stream()
                .map(Object::toString)
                .filter(key -> !key.equals("name"))
                .findFirst()
                .orElse("none");
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
