package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    @Test
    void answersTheProbesTheStatusAndTheMetrics() throws Exception {
        Endpoints endpoints = new Endpoints(Statuses::connected, () -> "corridor_tunnel_up 1\n");

        assertThat(endpoints.answer(get("/healthz")).status()).isEqualTo(200);
        assertThat(endpoints.answer(get("/readyz"))).extracting(Response::status, Response::body).containsExactly(200, "ready\n");
        assertThat(new ObjectMapper().readTree(endpoints.answer(get("/status")).body()).path("server").asText()).isEqualTo(Statuses.SERVER);
        assertThat(endpoints.answer(get("/metrics"))).extracting(Response::status, Response::body)
                .containsExactly(200, "corridor_tunnel_up 1\n");
    }

    @Test
    void saysWhyTheTunnelIsNotReady() {
        Endpoints endpoints = new Endpoints(() -> Statuses.down("gateway vpn.corp.test: connection refused"), () -> "");

        assertThat(endpoints.answer(get("/readyz"))).extracting(Response::status, Response::body)
                .containsExactly(503, "not ready: tunnel reconnecting (gateway vpn.corp.test: connection refused)\n");
    }

    @Test
    void onlyGetAndHeadOnTheFourPaths() {
        Endpoints endpoints = new Endpoints(Statuses::connected, () -> "");

        Response post = endpoints.answer(new Request("POST", "/status", LOOPBACK));
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("Allow", "GET, HEAD");
        assertThat(endpoints.answer(new Request("HEAD", "/healthz", LOOPBACK)).status()).isEqualTo(200);
        for (String path : List.of("/", "/statusx", "/healthz/", "/status/../status")) {
            assertThat(endpoints.answer(get(path)).status()).as(path).isEqualTo(404);
        }
    }

    private static Request get(String path) {
        return new Request("GET", path, LOOPBACK);
    }
}
