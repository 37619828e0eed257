package dev.corridor.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.TunnelStatusModel.PodObservation;
import dev.corridor.operator.model.TunnelStatusModel.SidecarReport;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes injected pods: the kubelet's verdict on the sidecar (its readiness probe is the sidecar's
 * {@code /readyz}), and the detail from the sidecar's own {@code /status}, fetched from the pod's IP. The operator
 * asks the pod directly, so the application's service account needs no permission at all; where a network policy
 * keeps the operator out, the readiness alone decides and the detail stays empty.
 */
public final class SidecarProbe {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarProbe.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;

    public SidecarProbe(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** Observes every pod, reading their sidecars' /status concurrently. */
    public List<PodObservation> observe(Collection<Pod> pods) {
        List<Future<PodObservation>> observations;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            observations = pods.stream().map(pod -> executor.submit(() -> observe(pod))).toList();
        }
        return observations.stream().map(Future::resultNow).toList();
    }

    PodObservation observe(Pod pod) {
        String name = pod.getMetadata().getName();
        Optional<ContainerStatus> sidecar = sidecarStatus(pod);
        boolean ready = sidecar.map(s -> Boolean.TRUE.equals(s.getReady())).orElse(false);
        boolean running = sidecar.map(s -> s.getState() != null && s.getState().getRunning() != null).orElse(false);
        Optional<SidecarReport> report = running ? report(pod) : Optional.empty();
        return new PodObservation(name, ready, report);
    }

    private Optional<SidecarReport> report(Pod pod) {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        Optional<Integer> port = sidecarPort(pod);
        if (ip == null || port.isEmpty()) {
            return Optional.empty();
        }
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port.get() + "/status")).timeout(timeout).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                LOG.debug("pod {}: sidecar /status answered {}", pod.getMetadata().getName(), response.statusCode());
                return Optional.empty();
            }
            JsonNode status = JSON.readTree(response.body());
            return Optional.of(new SidecarReport(text(status, "state"), text(status, "transport"), text(status, "address"),
                    text(status, "connectedSince")));
        } catch (IOException e) {
            LOG.debug("pod {}: sidecar /status not readable: {}", pod.getMetadata().getName(), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Optional<ContainerStatus> sidecarStatus(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        return Stream.concat(stream(pod.getStatus().getInitContainerStatuses()), stream(pod.getStatus().getContainerStatuses()))
                .filter(status -> SidecarLayout.CONTAINER_NAME.equals(status.getName()))
                .findFirst();
    }

    private static Optional<Integer> sidecarPort(Pod pod) {
        return PodInjector.sidecarContainer(pod).stream()
                .map(Container::getPorts)
                .flatMap(SidecarProbe::stream)
                .filter(port -> SidecarLayout.PORT_NAME.equals(port.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst();
    }

    private static <T> Stream<T> stream(List<T> list) {
        return list == null ? Stream.empty() : list.stream();
    }
}
