package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatusServerTest {
    private StatusServer server;

    @BeforeEach
    void start() throws Exception {
        server = StatusServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                Optional.empty(),
                Statuses::connected,
                () -> "corridor_tunnel_up 1\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void answersOneRequestPerConnectionAndClosesIt() throws Exception {
        HttpCall call = HttpCall.get(server.address(), "/healthz");

        assertThat(call.status()).isEqualTo(200);
        assertThat(call.head())
                .contains(
                        "Content-Type: text/plain; charset=utf-8",
                        "Content-Length: 3",
                        "Connection: close",
                        "Cache-Control: no-store");
        assertThat(call.body()).isEqualTo("ok\n");
    }

    @Test
    void servesTheStatusToLoopbackCallers() throws Exception {
        HttpCall call = HttpCall.get(server.address(), "/status");

        assertThat(call.status()).isEqualTo(200);
        assertThat(call.head()).contains("Content-Type: application/json; charset=utf-8");
        assertThat(new ObjectMapper().readTree(call.body()).path("state").asText())
                .isEqualTo("connected");
    }

    @Test
    void aHeadAnswerHasTheLengthButNoBody() throws Exception {
        HttpCall call = HttpCall.send(server.address(), "HEAD /healthz HTTP/1.1\r\nHost: pod\r\n\r\n");

        assertThat(call.status()).isEqualTo(200);
        assertThat(call.head()).contains("Content-Length: 3");
        assertThat(call.body()).isEmpty();
    }

    @Test
    void aHeadArrivingInPiecesWithinTheTimeoutIsAnswered() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(server.address());
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            for (byte b : "GET /healthz HTTP/1.1\r\nHost: pod\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) {
                out.write(b);
                out.flush();
                Thread.sleep(20);
            }
            assertThat(HttpCall.parse(
                                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                                    Duration.ZERO)
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void aHeadUpToTheLimitIsAnsweredAndOneByteMoreGets431() throws Exception {
        String start = "GET /healthz HTTP/1.1\r\nHost: pod\r\nX-Padding: ";
        int padding = BoundedHttpServer.MAX_HEAD_BYTES - start.length() - 4;

        assertThat(HttpCall.send(server.address(), start + "a".repeat(padding) + "\r\n\r\n")
                        .status())
                .isEqualTo(200);
        HttpCall tooLarge = HttpCall.send(server.address(), start + "a".repeat(padding + 1) + "\r\n\r\n");
        assertThat(tooLarge.status()).isEqualTo(431);
        assertThat(tooLarge.body()).isEqualTo("the request head is larger than 8192 bytes\n");
    }

    @Test
    void aMalformedRequestGets400NamingTheProblem() throws Exception {
        HttpCall call = HttpCall.send(server.address(), "GET /healthz\r\n\r\n");

        assertThat(call.status()).isEqualTo(400);
        assertThat(call.body()).contains("request line");
    }

    @Test
    void theRequestCarriesThePeersAddressNotTheServers() throws Exception {
        AtomicReference<InetAddress> remote = new AtomicReference<>();
        try (BoundedHttpServer bare = BoundedHttpServer.start(new InetSocketAddress("127.0.0.1", 0), request -> {
                    remote.set(request.remote());
                    return Response.text(200, "ok\n");
                });
                Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.2", 0));
            socket.connect(bare.address());
            socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().readAllBytes();
        }

        assertThat(remote.get()).isEqualTo(InetAddress.ofLiteral("127.0.0.2"));
    }

    @Test
    void aFailingEndpointGets500WithoutTheDetails() throws Exception {
        try (StatusServer failing =
                StatusServer.start(new InetSocketAddress("127.0.0.1", 0), Optional.empty(), Statuses::connected, () -> {
                    throw new IllegalStateException("registry broken: secret detail");
                })) {
            HttpCall call = HttpCall.get(failing.address(), "/metrics");

            assertThat(call.status()).isEqualTo(500);
            assertThat(call.body()).doesNotContain("secret detail");
        }
    }

    @Test
    void closingClosesOpenConnectionsAndFreesThePort() throws Exception {
        InetSocketAddress address = server.address();
        try (Socket idle = new Socket()) {
            idle.connect(address);
            idle.setSoTimeout(1000);
            InputStream in = idle.getInputStream();

            server.close();

            assertThat(readOrReset(in)).as("closed by the server").isEqualTo(-1);
        }
        server = StatusServer.start(address, Optional.empty(), Statuses::connected, () -> "");
        assertThat(HttpCall.get(server.address(), "/healthz").status()).isEqualTo(200);
    }

    /** A connection still in the listener's queue is reset when the listener closes; an accepted one is closed. */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException e) {
            assertThat(e).hasMessage("Connection reset");
            return -1;
        }
    }
}
