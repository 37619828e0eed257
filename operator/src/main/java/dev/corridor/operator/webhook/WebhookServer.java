package dev.corridor.operator.webhook;

import dev.corridor.operator.metrics.AdmissionOutcome;
import dev.corridor.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTPS endpoint: {@code POST /mutate-pods} for the API server's AdmissionReviews, {@code /healthz}
 * and {@code /readyz} for the kubelet (ready once a valid certificate is loaded and the webhook configuration's
 * caBundle trusts it). Every replica serves it, leader or not.
 *
 * <p>Anything in the cluster may connect, and with {@code failurePolicy: Fail} an operator that runs out of memory
 * blocks every annotated pod, so what one client can make it hold is bounded ({@link Limits}): a request body is
 * refused (413) from its declared length before any of it is read, each request has a deadline from its first byte
 * (a new connection's from its acceptance, so the TLS handshake counts) to the last byte of its answer, idle
 * connections are closed, and connections and admissions in progress are counted: a connection beyond the bound is
 * closed as soon as it is accepted, an admission beyond it waits briefly and is then answered 503, its body unread.
 * HTTP/1.1 with keep-alive; bodies must come with a Content-Length (the API server always sends one).
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    public static final String MUTATE_PATH = "/mutate-pods";
    /** The request line and headers; the API server's are a few hundred bytes. */
    static final int MAX_HEAD_BYTES = 16 * 1024;
    /** How long a closing connection reads and drops what the client still sends. */
    private static final Duration LINGER = Duration.ofSeconds(1);

    /**
     * How much the webhook takes on at once.
     *
     * @param maxBodyBytes    the largest AdmissionReview read; a Pod is at most about 1 MiB in etcd
     * @param requestDeadline from a request's first byte to its answer's last; the API server gives up after the
     *                        webhook's timeoutSeconds (10 s) anyway
     * @param idleTimeout     how long a kept-alive connection may wait for its next request
     * @param maxConnections  connections open at once, handshakes included
     * @param maxAdmissions   admissions being read or answered at once: at most this many bodies are in memory
     * @param admissionWait   how long an admission beyond those waits for its turn before it is answered 503
     */
    public record Limits(
            int maxBodyBytes,
            Duration requestDeadline,
            Duration idleTimeout,
            int maxConnections,
            int maxAdmissions,
            Duration admissionWait) {
        public static final Limits DEFAULT =
                new Limits(1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(60), 128, 8, Duration.ofSeconds(1));
    }

    private final ServerSocket listener;
    private final SSLContext tls;
    private final SSLParameters parameters;
    private final Limits limits;
    private final Semaphore connections;
    private final Semaphore admissions;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Closes the connections whose deadline has passed: one thread for all of them. */
    private final ScheduledExecutorService alarms = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("webhook-deadlines").factory());

    private final PodMutator mutator;
    private final KubernetesSerialization serialization;
    private final SwappableKeyManager keyManager;
    private final Clock clock;
    private final OperatorMetrics metrics;
    private final BooleanSupplier caPublished;

    private WebhookServer(
            ServerSocket listener,
            SSLContext tls,
            Limits limits,
            PodMutator mutator,
            KubernetesSerialization serialization,
            SwappableKeyManager keyManager,
            BooleanSupplier caPublished,
            Clock clock,
            OperatorMetrics metrics) {
        this.listener = listener;
        this.tls = tls;
        this.parameters = tls.getDefaultSSLParameters();
        this.parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        this.limits = limits;
        this.connections = new Semaphore(limits.maxConnections());
        this.admissions = new Semaphore(limits.maxAdmissions(), true);
        this.mutator = mutator;
        this.serialization = serialization;
        this.keyManager = keyManager;
        this.caPublished = caPublished;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * @param caPublished whether the webhook configuration's caBundle trusts the certificate served: {@code /readyz}
     *                    answers 503 until it does
     */
    static WebhookServer start(
            InetSocketAddress address,
            SwappableKeyManager keyManager,
            BooleanSupplier caPublished,
            PodMutator mutator,
            KubernetesSerialization serialization,
            Clock clock,
            OperatorMetrics metrics,
            Limits limits)
            throws IOException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[] {keyManager}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS provider is missing", e);
        }
        ServerSocket listener = new ServerSocket();
        listener.bind(address, 64);
        WebhookServer webhook = new WebhookServer(
                listener, tls, limits, mutator, serialization, keyManager, caPublished, clock, metrics);
        Thread.ofPlatform().daemon().name("webhook-accept").start(webhook::accept);
        LOG.info("webhook listening on https://{}:{}{}", address.getHostString(), webhook.port(), MUTATE_PATH);
        return webhook;
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    LOG.warn("webhook: accepting a connection failed: {}", e.toString());
                }
                continue;
            }
            if (!connections.tryAcquire()) {
                LOG.debug(
                        "webhook: closed a connection from {}: {} are open already",
                        socket.getRemoteSocketAddress(),
                        limits.maxConnections());
                closeQuietly(socket);
                continue;
            }
            open.add(socket);
            Thread.ofVirtual().name("webhook-connection").start(() -> {
                try {
                    serve(socket);
                } finally {
                    open.remove(socket);
                    closeQuietly(socket);
                    connections.release();
                }
            });
        }
    }

    /** One connection: requests one after another while the client keeps it alive, each under its deadline. */
    private void serve(Socket socket) {
        Alarm alarm = new Alarm(socket);
        try {
            // The first request's deadline counts from here: the TLS handshake is part of it.
            alarm.in(limits.requestDeadline());
            SSLSocket connection = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, true);
            connection.setSSLParameters(parameters);
            InputStream in = new BufferedInputStream(connection.getInputStream());
            OutputStream out = new BufferedOutputStream(connection.getOutputStream());
            for (boolean first = true; ; first = false) {
                int start = in.read();
                if (start < 0) {
                    return;
                }
                if (!first) {
                    alarm.in(limits.requestDeadline());
                }
                if (!exchange(start, in, out)) {
                    linger(in, alarm);
                    return;
                }
                alarm.in(limits.idleTimeout());
            }
        } catch (IOException e) {
            // The client went away, broke TLS, or its deadline closed the socket under us.
            LOG.debug("webhook: connection from {} ended: {}", socket.getRemoteSocketAddress(), e.toString());
        } finally {
            alarm.off();
        }
    }

    /**
     * Reads and drops what the client still sends, for a moment, before the connection closes: closing with its bytes
     * unread (a body refused unread) would reset the connection under the answer it has yet to read.
     */
    private static void linger(InputStream in, Alarm alarm) throws IOException {
        alarm.in(LINGER);
        byte[] discarded = new byte[8192];
        while (in.read(discarded) >= 0) {
            // dropped
        }
    }

    /** Reads one request and answers it; true when the connection may carry another. */
    private boolean exchange(int first, InputStream in, OutputStream out) throws IOException {
        RequestHead head;
        try {
            head = RequestHead.read(first, in, MAX_HEAD_BYTES);
        } catch (RequestHead.Malformed e) {
            return answer(out, 400, "text/plain", e.getMessage() + "\n", false);
        }
        boolean keepAlive = head.keepAlive() && head.contentLength().orElse(0) == 0 && !head.chunked();
        return switch (head.path()) {
            case "/healthz" -> answer(out, 200, "text/plain", "ok\n", keepAlive);
            case "/readyz" ->
                !keyManager.serving(clock.instant())
                        ? answer(out, 503, "text/plain", "no valid serving certificate loaded\n", keepAlive)
                        : !caPublished.getAsBoolean()
                                ? answer(
                                        out,
                                        503,
                                        "text/plain",
                                        "the webhook configuration's caBundle does not trust the serving certificate yet\n",
                                        keepAlive)
                                : answer(out, 200, "text/plain", "ready\n", keepAlive);
            case MUTATE_PATH -> mutate(head, in, out);
            default -> answer(out, 404, "text/plain", "no such path\n", keepAlive);
        };
    }

    private boolean mutate(RequestHead head, InputStream in, OutputStream out) throws IOException {
        long started = System.nanoTime();
        if (!"POST".equals(head.method())) {
            return answer(out, 405, "text/plain", "POST an AdmissionReview\n", false);
        }
        if (head.chunked() || head.contentLength().isEmpty()) {
            return failed(out, started, 411, "an AdmissionReview comes with a Content-Length");
        }
        long length = head.contentLength().getAsLong();
        if (length > limits.maxBodyBytes()) {
            return failed(out, started, 413, "request larger than " + limits.maxBodyBytes() + " bytes");
        }
        boolean admitted;
        try {
            admitted = admissions.tryAcquire(limits.admissionWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (!admitted) {
            LOG.debug("webhook: answered 503, {} admissions are in progress", limits.maxAdmissions());
            return failed(
                    out, started, 503, "busy: " + limits.maxAdmissions() + " admissions are in progress; try again");
        }
        try {
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                return false; // the client ended its request early
            }
            return review(body, started, out, head.keepAlive());
        } finally {
            admissions.release();
        }
    }

    private boolean review(byte[] body, long started, OutputStream out, boolean keepAlive) throws IOException {
        AdmissionReview review;
        try {
            review = serialization.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
        } catch (RuntimeException e) {
            return failed(out, started, 400, "not an AdmissionReview: " + e.getMessage());
        }
        if (review == null || review.getRequest() == null) {
            return failed(out, started, 400, "an AdmissionReview without a request");
        }
        AdmissionResponse response;
        try {
            response = mutator.admit(review.getRequest());
        } catch (RuntimeException e) {
            LOG.error(
                    "could not answer the admission of pod {} in namespace {}",
                    review.getRequest().getName(),
                    review.getRequest().getNamespace(),
                    e);
            return failed(out, started, 500, "the webhook could not answer: " + e.getMessage());
        }
        AdmissionReview answer = new AdmissionReviewBuilder()
                .withApiVersion(review.getApiVersion())
                .withKind("AdmissionReview")
                .withResponse(response)
                .build();
        String json = serialization.asJson(answer);
        // Counted before the answer goes out, so that whoever saw the answer also sees it counted.
        metrics.admission(outcome(response), Duration.ofNanos(System.nanoTime() - started));
        return answer(out, 200, "application/json", json, keepAlive);
    }

    private static AdmissionOutcome outcome(AdmissionResponse response) {
        if (!Boolean.TRUE.equals(response.getAllowed())) {
            return AdmissionOutcome.DENIED;
        }
        return response.getPatch() == null ? AdmissionOutcome.SKIPPED : AdmissionOutcome.INJECTED;
    }

    /** Answers an admission that could not be handled; the connection closes, as its body may be unread. */
    private boolean failed(OutputStream out, long started, int code, String message) throws IOException {
        metrics.admission(AdmissionOutcome.FAILED, Duration.ofNanos(System.nanoTime() - started));
        return answer(out, code, "text/plain", message + "\n", false);
    }

    private static boolean answer(OutputStream out, int code, String type, String body, boolean keepAlive)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + code + " " + reason(code) + "\r\n"
                + "Content-Type: " + type + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n"
                + (code == 503 ? "Retry-After: 1\r\n" : "")
                + (code == 405 ? "Allow: POST\r\n" : "")
                + (keepAlive ? "" : "Connection: close\r\n")
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return keepAlive;
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /** Closes a connection when its time is up; set again for each phase (request, idle). */
    private final class Alarm {
        private final Socket socket;
        private ScheduledFuture<?> pending;

        Alarm(Socket socket) {
            this.socket = socket;
        }

        void in(Duration delay) {
            off();
            pending = alarms.schedule(() -> closeQuietly(socket), delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        void off() {
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        open.forEach(WebhookServer::closeQuietly);
        alarms.shutdownNow();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
