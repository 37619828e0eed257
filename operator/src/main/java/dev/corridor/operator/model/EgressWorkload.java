package dev.corridor.operator.model;

import dev.corridor.operator.crd.Egress;
import dev.corridor.operator.crd.EgressStatus;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a tunnel's {@code spec.egress} becomes: a Deployment of Corridor clients (each one VPN session) listening on
 * port forwards and proxies, a ClusterIP Service per forwarded corporate service and per proxy, a NetworkPolicy that
 * admits only the allowed namespaces to those listeners, and a PodDisruptionBudget. Pure: the reconciler writes what
 * this renders.
 */
public final class EgressWorkload {
    /** Labels of the egress pods (not the corridor.dev/tunnel label: these pods are not injected pods). */
    public static final String NAME_LABEL = "app.kubernetes.io/name";

    public static final String NAME = "corridor-egress";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    public static final String CONTAINER_NAME = "corridor-egress";
    public static final int SOCKS5_PORT = 1080;
    public static final int HTTP_PROXY_PORT = 3128;
    /** The forwards listen from here up, one port per service port, in the order of the spec. */
    public static final int FIRST_FORWARD_PORT = 10000;

    public static final String SOCKS5_SERVICE = "socks5";
    public static final String HTTP_PROXY_SERVICE = "http-proxy";
    /** A Service name is a DNS-1035 label. */
    private static final int MAX_SERVICE_NAME = 63;

    private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private EgressWorkload() {}

    /** One port forward: the Service's port, the corporate host and port behind it, the egress pod's listening port. */
    public record Forward(String service, String host, int port, int listenPort) {}

    public static boolean requested(VpnTunnel tunnel) {
        return tunnel.getSpec() != null && tunnel.getSpec().egress() != null;
    }

    /** The Deployment, PodDisruptionBudget and NetworkPolicy share this name. */
    public static String workloadName(String tunnel) {
        return SidecarLayout.NAME_PREFIX + tunnel + "-egress";
    }

    /** The Service of a forwarded service or of a proxy ({@link #SOCKS5_SERVICE}, {@link #HTTP_PROXY_SERVICE}). */
    public static String serviceName(String tunnel, String service) {
        return SidecarLayout.NAME_PREFIX + tunnel + "-" + service;
    }

    /**
     * What keeps the egress from being made, beyond the schema: Service names too long for a DNS label, two services
     * of one name or of a proxy's name, and no cluster networks to admit connections from.
     */
    public static List<SpecValidation.Problem> problems(VpnTunnel tunnel) {
        if (!requested(tunnel)) {
            return List.of();
        }
        List<SpecValidation.Problem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Egress.ForwardedService service : services(tunnel.getSpec().egress())) {
            if (SOCKS5_SERVICE.equals(service.name()) || HTTP_PROXY_SERVICE.equals(service.name())) {
                problems.add(new SpecValidation.Problem(
                        "EgressServiceNameReserved",
                        "spec.egress.services: the name '" + service.name()
                                + "' is the proxy's Service; choose another"));
            } else if (!seen.add(service.name())) {
                problems.add(new SpecValidation.Problem(
                        "EgressServiceNameDuplicate",
                        "spec.egress.services: the name '" + service.name() + "' appears twice; each names a Service"));
            }
            if (Set.copyOf(service.ports()).size() != service.ports().size()) {
                problems.add(new SpecValidation.Problem(
                        "EgressPortDuplicate",
                        "spec.egress.services: service '" + service.name() + "' lists a port twice: "
                                + service.ports()));
            }
        }
        services(tunnel).keySet().stream()
                .filter(service -> service.length() > MAX_SERVICE_NAME || service.contains("."))
                .findFirst()
                .ifPresent(service -> problems.add(new SpecValidation.Problem(
                        "EgressNameTooLong",
                        "spec.egress: the Service name '" + service + "' is not a DNS label of at most "
                                + MAX_SERVICE_NAME
                                + " characters without dots; shorten the tunnel's or the service's name")));
        if (clusterNetworks(tunnel).isEmpty()) {
            problems.add(
                    new SpecValidation.Problem(
                            "EgressWithoutClusterNetworks",
                            "spec.egress needs spec.routes.neverRoute (the cluster's pod"
                                    + " and service CIDRs): the egress pods admit connections only from there, and pods keep them out of the proxy (NO_PROXY)"));
        }
        return problems;
    }

    /** The forwards in spec order, each with its own listening port. */
    public static List<Forward> forwards(Egress egress) {
        List<Forward> forwards = new ArrayList<>();
        for (Egress.ForwardedService service : services(egress)) {
            for (int port : service.ports()) {
                forwards.add(new Forward(service.name(), service.host(), port, FIRST_FORWARD_PORT + forwards.size()));
            }
        }
        return forwards;
    }

    /** The cluster's own networks, as the tunnel declares them: never routed through it, and the only sources the egress admits. */
    public static List<String> clusterNetworks(VpnTunnel tunnel) {
        return Optional.ofNullable(tunnel.getSpec().routes())
                .map(VpnTunnelSpec.Routes::neverRoute)
                .orElse(List.of());
    }

    public static boolean socks5(Egress egress) {
        return egress.proxy() != null && Boolean.TRUE.equals(egress.proxy().socks5());
    }

    public static boolean httpProxy(Egress egress) {
        return egress.proxy() != null && Boolean.TRUE.equals(egress.proxy().http());
    }

    public static int replicas(Egress egress) {
        return Optional.ofNullable(egress.replicas()).orElse(2);
    }

    /** The labels that select a tunnel's egress pods. */
    public static Map<String, String> podLabels(String tunnel) {
        return Map.of(NAME_LABEL, NAME, INSTANCE_LABEL, tunnel, OwnedObjects.MANAGED_BY_LABEL, OwnedObjects.MANAGED_BY);
    }

    /** The egress client's direct-memory limit: the listeners' buffers at their 256 connections, with room. */
    static final String DIRECT_MEMORY = "80m";

    /**
     * The egress pods: the Corridor client as the main container, configured like the injected sidecar (the tunnel's
     * ConfigMap, credentials, token, tun device, NET_ADMIN) plus the listeners. Ready only while the tunnel is up
     * ({@code /readyz}), so Services send nothing to a pod without a session. A rollout replaces one pod at a time and
     * never adds one (maxSurge 0): more pods than replicas would log in more sessions than the gateway allows.
     */
    public static Deployment deployment(VpnTunnel tunnel, InjectionSettings settings) {
        String name = tunnel.getMetadata().getName();
        Egress egress = tunnel.getSpec().egress();
        Container client = new ContainerBuilder(PodInjector.sidecar(
                        tunnel.getSpec(),
                        settings,
                        PodInjector.tunnelImage(tunnel.getSpec(), settings),
                        Optional.empty(),
                        SidecarLayout.DEFAULT_HTTP_PORT))
                .withName(CONTAINER_NAME)
                .withRestartPolicy(null) // the main container, not a native sidecar
                // Netty's buffers count against the JVM's direct memory, which the image's -Xmx16m also caps at 16 MB;
                // the listeners' 256 connections can hold about 65 MB when their peers stall.
                .addNewEnv()
                .withName("JDK_JAVA_OPTIONS")
                .withValue("-XX:MaxDirectMemorySize=" + DIRECT_MEMORY)
                .endEnv()
                .addAllToArgs(listenerArguments(tunnel))
                .addAllToPorts(listenerPorts(egress).entrySet().stream()
                        .map(port -> new ContainerPortBuilder()
                                .withName(port.getKey())
                                .withContainerPort(port.getValue())
                                .withProtocol("TCP")
                                .build())
                        .toList())
                .build();
        return new DeploymentBuilder()
                .withMetadata(metadata(tunnel, workloadName(name)))
                .withNewSpec()
                .withReplicas(replicas(egress))
                .withSelector(selector(name))
                .withNewStrategy()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(new IntOrString(0))
                .withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(podLabels(name))
                .endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withContainers(client)
                .withVolumes(PodInjector.volumes(tunnel, settings))
                .addNewTopologySpreadConstraint()
                .withMaxSkew(1)
                .withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withLabelSelector(selector(name))
                .endTopologySpreadConstraint()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** One ClusterIP Service per forwarded service and per proxy, by name. */
    public static Map<String, Service> services(VpnTunnel tunnel) {
        String name = tunnel.getMetadata().getName();
        Egress egress = tunnel.getSpec().egress();
        Map<String, List<ServicePort>> ports = new LinkedHashMap<>();
        for (Forward forward : forwards(egress)) {
            ports.computeIfAbsent(serviceName(name, forward.service()), key -> new ArrayList<>())
                    .add(servicePort("tcp-" + forward.port(), forward.port(), forward.listenPort()));
        }
        if (socks5(egress)) {
            ports.put(
                    serviceName(name, SOCKS5_SERVICE), List.of(servicePort(SOCKS5_SERVICE, SOCKS5_PORT, SOCKS5_PORT)));
        }
        if (httpProxy(egress)) {
            ports.put(
                    serviceName(name, HTTP_PROXY_SERVICE),
                    List.of(servicePort(HTTP_PROXY_SERVICE, HTTP_PROXY_PORT, HTTP_PROXY_PORT)));
        }
        Map<String, Service> services = new LinkedHashMap<>();
        ports.forEach((service, servicePorts) -> services.put(
                service,
                new ServiceBuilder()
                        .withMetadata(metadata(tunnel, service))
                        .withNewSpec()
                        .withType("ClusterIP")
                        .withSelector(podLabels(name))
                        .withPorts(servicePorts)
                        .endSpec()
                        .build()));
        return services;
    }

    /** Admits the allowed namespaces to the listeners and nothing else to the egress pods. */
    public static NetworkPolicy networkPolicy(VpnTunnel tunnel) {
        Egress egress = tunnel.getSpec().egress();
        List<NetworkPolicyPort> ports = listenerPorts(egress).values().stream()
                .map(port -> new NetworkPolicyPortBuilder()
                        .withProtocol("TCP")
                        .withPort(new IntOrString(port))
                        .build())
                .toList();
        return new NetworkPolicyBuilder()
                .withMetadata(metadata(tunnel, workloadName(tunnel.getMetadata().getName())))
                .withNewSpec()
                .withPodSelector(selector(tunnel.getMetadata().getName()))
                .withPolicyTypes("Ingress")
                .addNewIngress()
                .addNewFrom()
                .withNewNamespaceSelector()
                .addNewMatchExpression()
                .withKey(NAMESPACE_NAME_LABEL)
                .withOperator("In")
                .withValues(egress.allowedNamespaces())
                .endMatchExpression()
                .endNamespaceSelector()
                .endFrom()
                .withPorts(ports)
                .endIngress()
                .endSpec()
                .build();
    }

    /** A drain takes one egress pod at a time, so the others keep carrying the traffic. */
    public static PodDisruptionBudget disruptionBudget(VpnTunnel tunnel) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(metadata(tunnel, workloadName(tunnel.getMetadata().getName())))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withSelector(selector(tunnel.getMetadata().getName()))
                .endSpec()
                .build();
    }

    /**
     * The egress as the status shows it: every pod of the Deployment holds or opens one session (a rollout never
     * adds pods), ready ones have the tunnel up.
     */
    public static EgressStatus status(VpnTunnel tunnel, Optional<Deployment> deployment) {
        int budget = replicas(tunnel.getSpec().egress());
        int ready = deployment
                .map(Deployment::getStatus)
                .map(s -> s.getReadyReplicas())
                .orElse(0);
        int inUse =
                deployment.map(Deployment::getStatus).map(s -> s.getReplicas()).orElse(0);
        return new EgressStatus(
                ready,
                inUse,
                budget,
                inUse + "/" + budget,
                String.join(",", services(tunnel).keySet()));
    }

    /** The client's listener options: forwards, proxies, and the cluster networks as the only allowed sources. */
    static List<String> listenerArguments(VpnTunnel tunnel) {
        Egress egress = tunnel.getSpec().egress();
        List<String> args = new ArrayList<>();
        for (Forward forward : forwards(egress)) {
            args.addAll(List.of(
                    "--forward", "0.0.0.0:" + forward.listenPort() + "=" + forward.host() + ":" + forward.port()));
        }
        if (socks5(egress)) {
            args.addAll(List.of("--socks-listen", "0.0.0.0:" + SOCKS5_PORT));
        }
        if (httpProxy(egress)) {
            args.addAll(List.of("--http-proxy-listen", "0.0.0.0:" + HTTP_PROXY_PORT));
        }
        for (String network : clusterNetworks(tunnel)) {
            args.addAll(List.of("--proxy-allow-source", network));
        }
        return args;
    }

    /** The egress pod's listening ports by container port name (at most 15 characters). */
    private static Map<String, Integer> listenerPorts(Egress egress) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Forward forward : forwards(egress)) {
            ports.put("fwd-" + forward.listenPort(), forward.listenPort());
        }
        if (socks5(egress)) {
            ports.put(SOCKS5_SERVICE, SOCKS5_PORT);
        }
        if (httpProxy(egress)) {
            ports.put(HTTP_PROXY_SERVICE, HTTP_PROXY_PORT);
        }
        return ports;
    }

    private static List<Egress.ForwardedService> services(Egress egress) {
        return Optional.ofNullable(egress.services()).orElse(List.of());
    }

    private static ServicePort servicePort(String name, int port, int targetPort) {
        return new ServicePortBuilder()
                .withName(name)
                .withProtocol("TCP")
                .withPort(port)
                .withTargetPort(new IntOrString(targetPort))
                .build();
    }

    private static LabelSelector selector(String tunnel) {
        return new LabelSelectorBuilder().withMatchLabels(podLabels(tunnel)).build();
    }

    /** Controlled by the tunnel: the cluster deletes the objects with it, and no other controller adopts them. */
    private static ObjectMeta metadata(VpnTunnel tunnel, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(tunnel.getMetadata().getNamespace())
                .withLabels(OwnedObjects.labels(tunnel))
                .withOwnerReferences(OwnedObjects.ownerReference(tunnel))
                .build();
    }
}
