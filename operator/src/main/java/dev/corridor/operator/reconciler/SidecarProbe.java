package dev.corridor.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.PodInjector;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.TunnelStatusModel.PodObservation;
import dev.corridor.operator.model.TunnelStatusModel.SidecarReport;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes injected pods: the kubelet's verdict on the sidecar (its readiness probe is the sidecar's
 * {@code /readyz}), and the detail from the sidecar's own {@code /status}, fetched from the pod's IP with the tunnel's
 * status token. The operator asks the pod directly, so the application's service account needs no permission at all;
 * where a network policy keeps the operator out, the readiness alone decides and the detail stays empty.
 *
 * <p>A pod is whatever its author made it, so only a sidecar that {@link PodInjector#verify} recognises as injected
 * is asked, and what it answers is bounded: at most {@link #MAX_STATUS_BYTES}, within the timeout for the whole
 * exchange, and a few pods at a time.
 *
 * <p>A tunnel's pods are observed at every event of any of them and at every resync, so a tunnel of a thousand pods
 * starting up would cost a million reads. Each pod's {@code /status} is therefore read at most once per
 * {@link #READ_INTERVAL} while its readiness stays the same: between reads the last report stands.
 */
public final class SidecarProbe {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarProbe.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The sidecar's /status is about a kilobyte. */
    static final int MAX_STATUS_BYTES = 64 * 1024;
    /** Reads in flight at once, so that many pods cost at most this many bounded bodies. */
    private static final int CONCURRENT_READS = 16;
    /** Shorter than the reconciler's resync, so that every resync reads each pod afresh. */
    static final Duration READ_INTERVAL = Duration.ofSeconds(20);

    static final int MAX_DOMAINS = 32;

    private final InjectionSettings injection;
    private final Duration timeout;
    private final HttpClient http;
    private final Semaphore reads = new Semaphore(CONCURRENT_READS);
    private final Clock clock;
    /** By pod UID: pods come and go, so entries older than a few intervals are dropped at each observation. */
    private final ConcurrentMap<String, LastRead> lastReads = new ConcurrentHashMap<>();

    private record LastRead(Instant at, boolean sidecarReady, Optional<SidecarReport> report) {}

    /**
     * @param injection what the webhook injects, to recognise the sidecars it injected
     * @param timeout   for each read of /status, from connecting to the last byte
     * @param clock     for {@link #READ_INTERVAL}
     */
    public SidecarProbe(InjectionSettings injection, Duration timeout, Clock clock) {
        this.injection = injection;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** The settings the sidecars were injected with, which the egress pods share. */
    public InjectionSettings injection() {
        return injection;
    }

    /** Observes the tunnel's pods, reading their sidecars' /status concurrently; without a token, by readiness alone. */
    public List<PodObservation> observe(VpnTunnel tunnel, Collection<Pod> pods, Optional<String> token) {
        Instant stale = clock.instant().minus(READ_INTERVAL.multipliedBy(4));
        lastReads.values().removeIf(read -> read.at().isBefore(stale));
        List<Future<PodObservation>> observations;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            observations = pods.stream()
                    .map(pod -> executor.submit(() -> observe(tunnel, pod, token)))
                    .toList();
        }
        return observations.stream().map(Future::resultNow).toList();
    }

    private PodObservation observe(VpnTunnel tunnel, Pod pod, Optional<String> token) throws InterruptedException {
        String name = pod.getMetadata().getName();
        Optional<ContainerStatus> sidecar = sidecarStatus(pod);
        boolean ready = sidecar.map(s -> Boolean.TRUE.equals(s.getReady())).orElse(false);
        boolean running = sidecar.map(s -> s.getState() != null && s.getState().getRunning() != null)
                .orElse(false);
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (!running || ip == null || token.isEmpty()) {
            return new PodObservation(name, ready, Optional.empty());
        }
        return switch (PodInjector.verify(pod, tunnel, injection)) {
            case PodInjector.Verdict.NotInjected(String reason) -> {
                LOG.debug("pod {}: not reading /status, {}", name, reason);
                yield new PodObservation(name, ready, Optional.empty());
            }
            case PodInjector.Verdict.Injected(int port) -> {
                String uid = pod.getMetadata().getUid() != null
                        ? pod.getMetadata().getUid()
                        : pod.getMetadata().getNamespace() + "/" + name;
                LastRead last = lastReads.get(uid);
                if (last != null
                        && last.sidecarReady() == ready
                        && clock.instant().isBefore(last.at().plus(READ_INTERVAL))) {
                    yield new PodObservation(name, ready, last.report());
                }
                reads.acquire();
                try {
                    Optional<SidecarReport> report = report(name, ip, port, token.get());
                    lastReads.put(uid, new LastRead(clock.instant(), ready, report));
                    yield new PodObservation(name, ready, report);
                } finally {
                    reads.release();
                }
            }
        };
    }

    private Optional<SidecarReport> report(String pod, String ip, int port, String token) throws InterruptedException {
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/status"))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        // The request's own timeout ends with the response head; the body is bounded by waiting on the whole exchange.
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> new BoundedBody());
        try {
            HttpResponse<byte[]> response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.statusCode() != 200) {
                LOG.debug("pod {}: sidecar /status answered {}", pod, response.statusCode());
                return Optional.empty();
            }
            JsonNode status = JSON.readTree(response.body());
            return Optional.of(new SidecarReport(
                    text(status, "state"),
                    text(status, "transport"),
                    text(status, "address"),
                    text(status, "connectedSince"),
                    texts(status, "searchDomains")));
        } catch (TimeoutException e) {
            LOG.debug("pod {}: sidecar /status took longer than {}", pod, timeout);
            return Optional.empty();
        } catch (ExecutionException | IOException e) {
            LOG.debug(
                    "pod {}: sidecar /status not readable: {}",
                    pod,
                    e.getCause() != null ? e.getCause().toString() : e.toString());
            return Optional.empty();
        } finally {
            // Closes the connection of an exchange still under way: a body that trickles on is not read further.
            exchange.cancel(true);
        }
    }

    /** Collects the body up to {@link #MAX_STATUS_BYTES}; a longer one fails the exchange, and no more of it is read. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (body.isDone()) {
                    return;
                }
                if (bytes.size() + buffer.remaining() > MAX_STATUS_BYTES) {
                    subscription.cancel();
                    body.completeExceptionally(
                            new IOException("the body is longer than " + MAX_STATUS_BYTES + " bytes"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    /** The texts of an array, at most {@link #MAX_DOMAINS} (a sidecar's answer is bounded, and so is the status it feeds). */
    private static List<String> texts(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode item : value) {
            if (item.isTextual() && texts.size() < MAX_DOMAINS) {
                texts.add(item.asText());
            }
        }
        return texts;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Optional<ContainerStatus> sidecarStatus(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        return Stream.concat(
                        stream(pod.getStatus().getInitContainerStatuses()),
                        stream(pod.getStatus().getContainerStatuses()))
                .filter(status -> SidecarLayout.CONTAINER_NAME.equals(status.getName()))
                .findFirst();
    }

    private static <T> Stream<T> stream(List<T> list) {
        return list == null ? Stream.empty() : list.stream();
    }
}
