package dev.corridor.operator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.corridor.operator.metrics.AdmissionOutcome;
import dev.corridor.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTPS endpoint: {@code POST /mutate-pods} for the API server's AdmissionReviews, {@code /healthz}
 * and {@code /readyz} for the kubelet. Every replica serves it, leader or not.
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    public static final String MUTATE_PATH = "/mutate-pods";
    /** The API server sends at most a few megabytes; anything larger is not an AdmissionReview. */
    private static final int MAX_REQUEST_BYTES = 8 << 20;

    private final HttpsServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final PodMutator mutator;
    private final KubernetesSerialization serialization;
    private final SwappableKeyManager keyManager;
    private final Clock clock;
    private final OperatorMetrics metrics;

    private WebhookServer(HttpsServer server, PodMutator mutator, KubernetesSerialization serialization, SwappableKeyManager keyManager, Clock clock,
                          OperatorMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
        this.mutator = mutator;
        this.serialization = serialization;
        this.keyManager = keyManager;
        this.clock = clock;
    }

    static WebhookServer start(InetSocketAddress address, SwappableKeyManager keyManager, PodMutator mutator,
                               KubernetesSerialization serialization, Clock clock, OperatorMetrics metrics) throws IOException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[] {keyManager}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS provider is missing", e);
        }
        HttpsServer https = HttpsServer.create(address, 64);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters parameters) {
                SSLParameters ssl = tls.getDefaultSSLParameters();
                ssl.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                parameters.setSSLParameters(ssl);
            }
        });
        WebhookServer webhook = new WebhookServer(https, mutator, serialization, keyManager, clock, metrics);
        https.createContext(MUTATE_PATH, webhook::mutate);
        https.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        https.createContext("/readyz", webhook::readiness);
        https.setExecutor(webhook.executor);
        https.start();
        LOG.info("webhook listening on https://{}:{}{}", address.getHostString(), https.getAddress().getPort(), MUTATE_PATH);
        return webhook;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void readiness(HttpExchange exchange) throws IOException {
        if (keyManager.serving(clock.instant())) {
            respond(exchange, 200, "text/plain", "ready\n");
        } else {
            respond(exchange, 503, "text/plain", "no valid serving certificate loaded\n");
        }
    }

    private void mutate(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            respond(exchange, 405, "text/plain", "POST an AdmissionReview\n");
            return;
        }
        long started = System.nanoTime();
        AdmissionReview review;
        try (InputStream body = exchange.getRequestBody()) {
            byte[] bytes = body.readNBytes(MAX_REQUEST_BYTES + 1);
            if (bytes.length > MAX_REQUEST_BYTES) {
                failed(exchange, started, 413, "request larger than " + MAX_REQUEST_BYTES + " bytes");
                return;
            }
            review = serialization.unmarshal(new String(bytes, StandardCharsets.UTF_8), AdmissionReview.class);
        } catch (RuntimeException e) {
            failed(exchange, started, 400, "not an AdmissionReview: " + e.getMessage());
            return;
        }
        if (review == null || review.getRequest() == null) {
            failed(exchange, started, 400, "an AdmissionReview without a request");
            return;
        }
        AdmissionResponse response;
        try {
            response = mutator.admit(review.getRequest());
        } catch (RuntimeException e) {
            LOG.error("could not answer the admission of pod {} in namespace {}", review.getRequest().getName(), review.getRequest().getNamespace(), e);
            failed(exchange, started, 500, "the webhook could not answer: " + e.getMessage());
            return;
        }
        AdmissionReview answer = new AdmissionReviewBuilder().withApiVersion(review.getApiVersion()).withKind("AdmissionReview")
                .withResponse(response).build();
        String body = serialization.asJson(answer);
        // Counted before the answer goes out, so that whoever saw the answer also sees it counted.
        metrics.admission(outcome(response), Duration.ofNanos(System.nanoTime() - started));
        respond(exchange, 200, "application/json", body);
    }

    private static AdmissionOutcome outcome(AdmissionResponse response) {
        if (!Boolean.TRUE.equals(response.getAllowed())) {
            return AdmissionOutcome.DENIED;
        }
        return response.getPatch() == null ? AdmissionOutcome.SKIPPED : AdmissionOutcome.INJECTED;
    }

    private void failed(HttpExchange exchange, long started, int code, String message) throws IOException {
        metrics.admission(AdmissionOutcome.FAILED, Duration.ofNanos(System.nanoTime() - started));
        respond(exchange, code, "text/plain", message + "\n");
    }

    private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
