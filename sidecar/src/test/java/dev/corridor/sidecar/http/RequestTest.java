package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestTest {
    private static final InetAddress REMOTE = InetAddress.ofLiteral("10.1.2.3");

    @Test
    void keepsMethodPathAuthorizationAndTheConnectionsAddress() throws Exception {
        Request request = Request.parse(
                "GET /status?pretty=1 HTTP/1.1\r\nHost: pod:9478\r\nauthorization:  Bearer abc \r\n"
                        + "X-Forwarded-For: 127.0.0.1\r\n\r\n",
                REMOTE);

        assertThat(request).isEqualTo(new Request("GET", "/status", Optional.of("Bearer abc"), REMOTE));
    }

    @Test
    void findsTheEndOfTheHeadWithCrLfOrBareLf() {
        assertThat(end("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody")).isEqualTo(27);
        assertThat(end("GET / HTTP/1.1\nHost: x\n\nbody")).isEqualTo(24);
        assertThat(end("GET / HTTP/1.1\r\nHost: x\r\n")).isEqualTo(-1);
        assertThat(end("GET / HTTP/1.1\r\nHost: x\r\n\r")).isEqualTo(-1);
    }

    @Test
    void refusesWhatIsNotAnHttp1RequestNamingThePart() {
        assertThatThrownBy(() -> Request.parse("GET /status\r\n\r\n", REMOTE)).hasMessageContaining("request line");
        assertThatThrownBy(() -> Request.parse("PRI * HTTP/2.0\r\n\r\n", REMOTE))
                .hasMessageContaining("request line");
        assertThatThrownBy(() -> Request.parse("GET http://pod/status HTTP/1.1\r\n\r\n", REMOTE))
                .hasMessageContaining("target");
        assertThatThrownBy(() -> Request.parse("GET / HTTP/1.1\r\nno colon\r\n\r\n", REMOTE))
                .hasMessageContaining("header line");
        assertThatThrownBy(() -> Request.parse("GET / HTTP/1.1\r\nAuthorization : Bearer a\r\n\r\n", REMOTE))
                .hasMessageContaining("header line");
        assertThatThrownBy(() -> Request.parse(
                        "GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n", REMOTE))
                .hasMessageContaining("more than one Authorization");
    }

    private static int end(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return Request.endOfHead(bytes, 0, bytes.length);
    }
}
