package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corridor.sidecar.session.TunnelStatus;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsTest {
    private static final InetAddress POD_NETWORK = InetAddress.ofLiteral("10.244.1.7");
    private static final String TOKEN = "t0k3n-of-this-tunnel";
    private static final String CREDENTIALS_ERROR =
            "authentication failed for user alice: password hunter2 refused, cookie webvpn=4F2A";

    @TempDir
    Path dir;

    @Test
    void probesAndMetricsAnswerEveryone() {
        Endpoints endpoints = withoutTokenFile(Statuses.connected());

        assertThat(endpoints.answer(get("/healthz", POD_NETWORK)).status()).isEqualTo(200);
        assertThat(endpoints.answer(get("/readyz", POD_NETWORK)))
                .extracting(Response::status, Response::body)
                .containsExactly(200, "ready\n");
        assertThat(endpoints.answer(get("/metrics", POD_NETWORK)))
                .extracting(Response::status, Response::body)
                .containsExactly(200, "corridor_tunnel_up 1\n");
    }

    @Test
    void loopbackCallersGetTheStatusWithoutAToken() throws Exception {
        Endpoints endpoints = withTokenFile(TOKEN, Statuses.connected());

        for (String loopback : List.of("127.0.0.1", "127.8.9.10", "::1")) {
            Response response = endpoints.answer(get("/status", InetAddress.ofLiteral(loopback)));
            assertThat(response.status()).as(loopback).isEqualTo(200);
            assertThat(new ObjectMapper()
                            .readTree(response.body())
                            .path("server")
                            .asText())
                    .isEqualTo(Statuses.SERVER);
        }
    }

    @Test
    void withoutATokenFileOtherCallersGet403SayingHowToGetAccess() {
        Response response = withoutTokenFile(Statuses.connected()).answer(get("/status", POD_NETWORK));

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.body())
                .contains("loopback", "kubectl port-forward", "--status-token-file", "Authorization: Bearer");
    }

    @Test
    void headersThatClaimLoopbackChangeNothing() throws Exception {
        Request spoofed = Request.parse(
                "GET /status HTTP/1.1\r\nX-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1\r\n"
                        + "X-Real-IP: 127.0.0.1\r\nHost: 127.0.0.1\r\n\r\n",
                POD_NETWORK);

        assertThat(withoutTokenFile(Statuses.connected()).answer(spoofed).status())
                .isEqualTo(403);
    }

    @Test
    void otherCallersGetTheStatusWithThisTunnelsTokenOnly() throws Exception {
        Endpoints endpoints = withTokenFile("  " + TOKEN + "\n", Statuses.connected());

        assertThat(endpoints
                        .answer(get("/status", POD_NETWORK, "Bearer " + TOKEN))
                        .status())
                .isEqualTo(200);
        assertThat(endpoints
                        .answer(get("/status", POD_NETWORK, "bearer   " + TOKEN))
                        .status())
                .as("scheme, any case")
                .isEqualTo(200);

        Response wrong = endpoints.answer(get("/status", POD_NETWORK, "Bearer " + TOKEN + "x"));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.headers()).containsEntry("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        assertThat(endpoints
                        .answer(get("/status", POD_NETWORK, "Bearer token-of-another-tunnel"))
                        .status())
                .isEqualTo(401);
        assertThat(endpoints
                        .answer(get("/status", POD_NETWORK, "Bearer " + TOKEN.substring(0, 5)))
                        .status())
                .as("a prefix")
                .isEqualTo(401);

        Response missing = endpoints.answer(get("/status", POD_NETWORK));
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.headers()).containsEntry("WWW-Authenticate", "Bearer");
        assertThat(missing.body()).contains("Authorization: Bearer", "loopback");
        assertThat(endpoints
                        .answer(get("/status", POD_NETWORK, "Basic YWxpY2U6aHVudGVyMg=="))
                        .status())
                .isEqualTo(401);
        assertThat(endpoints.answer(get("/status", POD_NETWORK, "Bearer ")).status())
                .isEqualTo(401);
    }

    @Test
    void anEmptyMissingOrUnreadableTokenFileLetsNoOtherCallerIn() throws Exception {
        List<Endpoints> unusable = new ArrayList<>();
        unusable.add(withTokenFile("", Statuses.connected()));
        unusable.add(withTokenFile(" \n\t\n", Statuses.connected()));
        unusable.add(
                new Endpoints(Optional.of(StatusToken.read(dir.resolve("absent"))), Statuses::connected, () -> ""));
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        unusable.add(new Endpoints(Optional.of(StatusToken.read(directory)), Statuses::connected, () -> ""));

        for (Endpoints endpoints : unusable) {
            for (String authorization : List.of("", "Bearer ", "Bearer " + TOKEN)) {
                Response response = endpoints.answer(get("/status", POD_NETWORK, authorization));
                assertThat(response.status()).isEqualTo(403);
                assertThat(response.body()).contains("cannot use its status token file");
            }
            assertThat(endpoints
                            .answer(get("/status", InetAddress.ofLiteral("127.0.0.1")))
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void whyTheTunnelIsDownGoesToCallersAllowedTheStatusOnly() throws Exception {
        Endpoints endpoints = withTokenFile(TOKEN, Statuses.down("gateway vpn.corp.test: connection refused"));

        assertThat(endpoints.answer(get("/readyz", InetAddress.ofLiteral("127.0.0.1"))))
                .extracting(Response::status, Response::body)
                .containsExactly(503, "not ready: tunnel reconnecting (gateway vpn.corp.test: connection refused)\n");
        assertThat(endpoints
                        .answer(get("/readyz", POD_NETWORK, "Bearer " + TOKEN))
                        .body())
                .contains("connection refused");
        assertThat(endpoints.answer(get("/readyz", POD_NETWORK)))
                .extracting(Response::status, Response::body)
                .containsExactly(503, "not ready: tunnel reconnecting\n");
    }

    @Test
    void answersToOtherCallersEchoNothingOfTheTunnelNorCredentials() throws Exception {
        TunnelStatus down = Statuses.down(CREDENTIALS_ERROR);
        List<Response> answers = new ArrayList<>();
        for (Endpoints endpoints :
                List.of(withoutTokenFile(down), withTokenFile(TOKEN, down), withTokenFile("", down))) {
            for (String authorization : List.of("", "Bearer wrong", "Basic YWxpY2U6aHVudGVyMg==")) {
                answers.add(endpoints.answer(get("/status", POD_NETWORK, authorization)));
                answers.add(endpoints.answer(get("/readyz", POD_NETWORK, authorization)));
            }
        }

        for (Response answer : answers) {
            assertThat(answer.status()).isIn(401, 403, 503);
            assertThat(answer.body() + answer.headers())
                    .doesNotContain(
                            "alice",
                            "hunter2",
                            "webvpn",
                            "4F2A",
                            "YWxpY2U6aHVudGVyMg==",
                            Statuses.SERVER,
                            "10.99.0.50",
                            "10.20.0.0");
        }
    }

    @Test
    void theStatusDocumentHasNoPlaceForCredentials() throws Exception {
        JsonNode document = new ObjectMapper()
                .readTree(withoutTokenFile(Statuses.connected())
                        .answer(get("/status", InetAddress.ofLiteral("127.0.0.1")))
                        .body());

        List<String> keys = new ArrayList<>();
        collectKeys(document, keys);
        assertThat(keys)
                .isNotEmpty()
                .noneMatch(key -> key.toLowerCase(Locale.ROOT).matches(".*(user|passw|cookie|token|secret|auth).*"));
    }

    @Test
    void onlyGetAndHeadOnTheFourPaths() {
        Endpoints endpoints = withoutTokenFile(Statuses.connected());
        InetAddress loopback = InetAddress.ofLiteral("127.0.0.1");

        Response post = endpoints.answer(new Request("POST", "/status", Optional.empty(), loopback));
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("Allow", "GET, HEAD");
        assertThat(endpoints
                        .answer(new Request("HEAD", "/healthz", Optional.empty(), loopback))
                        .status())
                .isEqualTo(200);
        for (String path : List.of("/", "/statusx", "/healthz/", "/status/../status")) {
            assertThat(endpoints.answer(get(path, loopback)).status()).as(path).isEqualTo(404);
        }
    }

    private Endpoints withTokenFile(String content, TunnelStatus status) throws Exception {
        Path file = Files.writeString(dir.resolve("token-" + System.nanoTime()), content);
        return new Endpoints(Optional.of(StatusToken.read(file)), () -> status, () -> "corridor_tunnel_up 1\n");
    }

    private static Endpoints withoutTokenFile(TunnelStatus status) {
        return new Endpoints(Optional.empty(), () -> status, () -> "corridor_tunnel_up 1\n");
    }

    private static Request get(String path, InetAddress remote) {
        return new Request("GET", path, Optional.empty(), remote);
    }

    private static Request get(String path, InetAddress remote, String authorization) {
        return new Request(
                "GET", path, authorization.isEmpty() ? Optional.empty() : Optional.of(authorization), remote);
    }

    private static void collectKeys(JsonNode node, List<String> keys) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                keys.add(field.getKey());
                collectKeys(field.getValue(), keys);
            });
        } else {
            node.forEach(element -> collectKeys(element, keys));
        }
    }
}
