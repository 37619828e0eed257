package dev.corridor.operator.k3s;

import dev.corridor.operator.crd.VpnTunnel;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * On a failure, in setup or in a test, prints what a person would look at with kubectl: each namespace's pods and
 * their containers' states, its events, every container's log, and the VpnTunnels' status. It runs before any
 * clean-up, while the cluster still shows what went wrong.
 */
final class ClusterDiagnostics implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final int LOG_LINES = 150;

    private final Supplier<KubernetesClient> client;
    private final List<String> namespaces;

    ClusterDiagnostics(Supplier<KubernetesClient> client, List<String> namespaces) {
        this.client = client;
        this.namespaces = namespaces;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        dump(context.getDisplayName());
        throw throwable;
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        dump("setting up the cluster");
        throw throwable;
    }

    private void dump(String what) {
        KubernetesClient cluster = client.get();
        if (cluster == null) {
            return; // the failure came before there was a cluster: Testcontainers' own error says why
        }
        StringBuilder report = new StringBuilder("\n===== cluster state after the failure of " + what + " =====\n");
        for (String namespace : namespaces) {
            try {
                namespace(cluster, namespace, report);
            } catch (KubernetesClientException e) {
                report.append("namespace ").append(namespace).append(": not readable: ").append(e.getMessage()).append('\n');
            }
        }
        System.out.println(report.append("===== end of cluster state =====\n"));
    }

    private static void namespace(KubernetesClient cluster, String namespace, StringBuilder report) {
        report.append("\n--- namespace ").append(namespace).append(" ---\n");
        List<Pod> pods = cluster.pods().inNamespace(namespace).list().getItems();
        for (Pod pod : pods) {
            report.append("pod ").append(pod.getMetadata().getName()).append(": ").append(pod.getStatus().getPhase()).append('\n');
            Stream.concat(stream(pod.getStatus().getInitContainerStatuses()), stream(pod.getStatus().getContainerStatuses()))
                    .forEach(status -> report.append("  ").append(status.getName()).append(": ").append(state(status)).append('\n'));
        }
        report.append("events:\n");
        cluster.v1().events().inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(ClusterDiagnostics::when, Comparator.nullsFirst(Comparator.naturalOrder())))
                .forEach(event -> report.append("  ").append(when(event)).append(' ').append(event.getType()).append(' ')
                        .append(event.getReason()).append(' ').append(event.getInvolvedObject().getKind()).append('/')
                        .append(event.getInvolvedObject().getName()).append(": ").append(event.getMessage()).append('\n'));
        for (Pod pod : pods) {
            Stream.concat(stream(pod.getSpec().getInitContainers()), stream(pod.getSpec().getContainers())).map(Container::getName)
                    .forEach(container -> log(cluster, namespace, pod.getMetadata().getName(), container, report));
        }
        tunnels(cluster, namespace, report);
    }

    /** Last and on its own: before the chart is installed there is no VpnTunnel CRD, and listing them fails. */
    private static void tunnels(KubernetesClient cluster, String namespace, StringBuilder report) {
        try {
            for (VpnTunnel tunnel : cluster.resources(VpnTunnel.class).inNamespace(namespace).list().getItems()) {
                report.append("VpnTunnel ").append(tunnel.getMetadata().getName()).append(" status: ")
                        .append(cluster.getKubernetesSerialization().asJson(tunnel.getStatus())).append('\n');
            }
        } catch (KubernetesClientException e) {
            report.append("VpnTunnels: not readable: ").append(e.getMessage()).append('\n');
        }
    }

    private static void log(KubernetesClient cluster, String namespace, String pod, String container, StringBuilder report) {
        report.append("log of ").append(pod).append('/').append(container).append(" (last ").append(LOG_LINES).append(" lines):\n");
        try {
            String log = cluster.pods().inNamespace(namespace).withName(pod).inContainer(container).tailingLines(LOG_LINES).getLog();
            log.lines().forEach(line -> report.append("  | ").append(line).append('\n'));
        } catch (KubernetesClientException e) {
            report.append("  (none: ").append(e.getMessage()).append(")\n");
        }
    }

    private static String state(ContainerStatus status) {
        var state = status.getState();
        String now;
        if (state.getRunning() != null) {
            now = "running since " + state.getRunning().getStartedAt();
        } else if (state.getWaiting() != null) {
            now = "waiting: " + state.getWaiting().getReason() + " " + Objects.toString(state.getWaiting().getMessage(), "");
        } else if (state.getTerminated() != null) {
            now = "terminated: exit " + state.getTerminated().getExitCode() + " " + Objects.toString(state.getTerminated().getReason(), "");
        } else {
            now = "no state yet";
        }
        return now + ", ready " + status.getReady() + ", restarts " + status.getRestartCount();
    }

    /** Events carry one of three times, depending on who recorded them. */
    private static String when(Event event) {
        return event.getLastTimestamp() != null ? event.getLastTimestamp()
                : event.getEventTime() != null ? event.getEventTime().getTime()
                : event.getMetadata().getCreationTimestamp();
    }

    private static <T> Stream<T> stream(List<T> list) {
        return list == null ? Stream.empty() : list.stream();
    }
}
