package dev.corridor.operator.webhook;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.corridor.operator.cluster.TunnelLookup;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.reconciler.TunnelEvents;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The webhook under a flood, in process: connections that never start TLS or stop in the middle of a request head,
 * bodies far larger than any AdmissionReview (the incident: 40 connections, 8 MiB each, sent slowly), bodies that
 * trickle, more admissions and connections than the limits allow. Whatever the flood does, an ordinary AdmissionReview
 * is answered, nothing larger than the limit is read, and every slow client is cut off at its deadline. The limits
 * here are the production ones with shorter times, so that deadlines pass within the test.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(120)
class WebhookLimitsIT {
    private static final WebhookServer.Limits LIMITS = new WebhookServer.Limits(
            WebhookServer.Limits.DEFAULT.maxBodyBytes(),
            Duration.ofSeconds(4),
            Duration.ofSeconds(2),
            48,
            4,
            Duration.ofMillis(500));
    /** What a loaded two-core machine may add to a deadline before the test calls it missed. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    KubernetesClient client;
    private WebhookServer server;
    private AdmissionClient apiServer;
    private SSLContext trustingTheCa;
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final ExecutorService flood = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void start() throws Exception {
        Fixtures.installCrd(client);
        client.resource(Fixtures.credentials("vpn-login")).create();
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        WebhookCertificates issued = WebhookCertificates.create(List.of(WebhookIT.SERVICE_DNS), Instant.now());
        SwappableKeyManager keys = new SwappableKeyManager();
        keys.use(issued.servingCertificate());
        server = WebhookServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                keys,
                () -> true,
                new PodMutator(
                        new TunnelLookup(client, Fixtures.CLUSTER_DNS),
                        new TunnelEvents(client),
                        WebhookIT.INJECTION,
                        WatchedNamespaces.ALL,
                        client.getKubernetesSerialization()),
                client.getKubernetesSerialization(),
                Clock.systemUTC(),
                new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                LIMITS);
        String bundle = Pem.encode(issued.authorities());
        apiServer = new AdmissionClient(server.port(), bundle, WebhookIT.SERVICE_DNS);
        trustingTheCa = trusting(bundle);
    }

    @AfterEach
    void stop() throws IOException {
        flood.shutdownNow();
        for (Socket socket : clients) {
            socket.close();
        }
        server.close();
    }

    @Test
    void aBodyLargerThanTheLimitIsRefusedBeforeAnyOfItIsSent() throws Exception {
        SSLSocket oversized = tls();
        send(
                oversized,
                "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: "
                        + (8 << 20) + "\r\n\r\n");
        SSLSocket chunked = tls();
        send(chunked, "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nTransfer-Encoding: chunked\r\n\r\n");

        // Not one byte of either body has been sent: the answers come from the heads alone.
        assertThat(response(oversized)).isEqualTo(new Response(413, "request larger than 1048576 bytes\n"));
        assertThat(response(chunked)).isEqualTo(new Response(411, "an AdmissionReview comes with a Content-Length\n"));
    }

    @Test
    void aFloodOfSlowConnectionsOversizedBodiesAndTricklingBodiesLeavesAnAdmissionAnswered() throws Exception {
        for (int i = 0; i < 20; i++) {
            tcp(); // never starts TLS
        }
        for (int i = 0; i < 10; i++) {
            send(tls(), "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\n"); // stops within its head
        }
        // The incident: 8 MiB bodies, sent slowly.
        List<Future<Response>> oversized = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            SSLSocket socket = tls();
            oversized.add(flood.submit(() -> {
                send(
                        socket,
                        "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Length: " + (8 << 20) + "\r\n\r\n");
                flood.submit(() -> trickle(socket, 8 << 20));
                return response(socket);
            }));
        }
        // Bodies within the limit that trickle: they hold admissions until their deadline.
        List<Future<Duration>> trickling = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SSLSocket socket = tls();
            trickling.add(flood.submit(() -> {
                long started = System.nanoTime();
                send(
                        socket,
                        "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Length: " + (1 << 20) + "\r\n\r\n");
                trickle(socket, 1 << 20);
                return Duration.ofNanos(System.nanoTime() - started);
            }));
        }
        Thread.sleep(300); // the flood is in place

        long started = System.nanoTime();
        AdmissionResponse response = apiServer
                .review(Fixtures.annotatedPod("web", "corp"), NAMESPACE)
                .getResponse();

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNotNull();
        // Answered while the flood is still in place, not once its deadlines had cleared it away.
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(LIMITS.requestDeadline().minusSeconds(1));
        for (Future<Response> answer : oversized) {
            assertThat(answer.get(5, TimeUnit.SECONDS).code()).isEqualTo(413);
        }
        for (Future<Duration> cut : trickling) {
            assertThat(cut.get(10, TimeUnit.SECONDS))
                    .as("a trickling body is cut off at the deadline")
                    .isLessThan(LIMITS.requestDeadline().plus(SLACK));
        }
    }

    @Test
    void admissionsBeyondTheBoundAreAnswered503WithTheirBodiesUnread() throws Exception {
        for (int i = 0; i < LIMITS.maxAdmissions(); i++) {
            SSLSocket holder = tls();
            send(holder, "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Length: 1000\r\n\r\n{");
        }
        Thread.sleep(300);

        long started = System.nanoTime();
        SSLSocket excess = tls();
        send(excess, "POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Length: 100000\r\n\r\n");

        assertThat(response(excess)).isEqualTo(new Response(503, "busy: 4 admissions are in progress; try again\n"));
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(LIMITS.admissionWait().plus(SLACK));
        // The holders' deadline frees the admissions.
        Thread.sleep(LIMITS.requestDeadline().toMillis());
        assertThat(apiServer
                        .review(Fixtures.annotatedPod("web", "corp"), NAMESPACE)
                        .getResponse()
                        .getAllowed())
                .isTrue();
    }

    @Test
    void connectionsBeyondTheBoundAreClosedAtOnceAndSlowOnesAtTheirDeadline() throws Exception {
        long started = System.nanoTime();
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < LIMITS.maxConnections(); i++) {
            silent.add(tcp());
        }
        Thread.sleep(300);

        Socket excess = tcp();
        long refused = System.nanoTime();
        assertThat(excess.getInputStream().read()).as("closed at once").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - refused)).isLessThan(SLACK);
        // The silent ones, which never started TLS, are closed at their deadline; then the webhook is there again.
        for (Socket socket : silent) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(LIMITS.requestDeadline().plus(SLACK));
        assertThat(apiServer
                        .review(Fixtures.annotatedPod("web", "corp"), NAMESPACE)
                        .getResponse()
                        .getAllowed())
                .isTrue();
    }

    @Test
    void aKeptAliveConnectionCarriesRequestsAndIsClosedWhenIdle() throws Exception {
        SSLSocket socket = tls();
        send(socket, "GET /healthz HTTP/1.1\r\nHost: webhook\r\n\r\n");
        assertThat(response(socket)).isEqualTo(new Response(200, "ok\n"));
        send(socket, "GET /readyz HTTP/1.1\r\nHost: webhook\r\n\r\n");
        assertThat(response(socket)).isEqualTo(new Response(200, "ready\n"));

        long idle = System.nanoTime();
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - idle))
                .isBetween(
                        LIMITS.idleTimeout().minusMillis(200),
                        LIMITS.idleTimeout().plus(SLACK));
    }

    /** A status code and body. */
    private record Response(int code, String body) {}

    private Socket tcp() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        socket.setSoTimeout(15_000);
        clients.add(socket);
        return socket;
    }

    private SSLSocket tls() throws IOException {
        SSLSocket socket =
                (SSLSocket) trustingTheCa.getSocketFactory().createSocket(tcp(), "127.0.0.1", server.port(), true);
        socket.startHandshake();
        clients.add(socket);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Sends a body a byte at a time, 20 a second, until it is all sent or the server hangs up. */
    private static Void trickle(Socket socket, int length) {
        try {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < length; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(50);
            }
        } catch (IOException | InterruptedException e) {
            // hung up on
        }
        return null;
    }

    /** Reads one response: the status line, the headers, and the body of the Content-Length. */
    private static Response response(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int lastFour = 0;
        while (lastFour != 0x0d0a0d0a) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the server closed the connection within the response head: " + head);
            }
            head.write(next);
            lastFour = lastFour << 8 | next;
        }
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(
                        line.substring("content-length:".length()).strip());
            }
        }
        return new Response(
                Integer.parseInt(lines[0].split(" ")[1]), new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static SSLContext trusting(String bundle) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int index = 0;
        for (Certificate ca : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bundle.getBytes(StandardCharsets.US_ASCII)))) {
            trusted.setCertificateEntry("ca-" + index++, ca);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls;
    }
}
