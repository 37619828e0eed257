package dev.corridor.sidecar.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corridor.sidecar.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpResponseHeadTest {

    @Test
    void parsesStatusAndRepeatedHeadersCaseInsensitively() throws Exception {
        HttpResponseHead head = parse("HTTP/1.1 401 Authentication failed\r\nContent-Length: 0\r\n"
                + "Set-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n");
        assertThat(head.status()).isEqualTo(401);
        assertThat(head.statusText()).isEqualTo("401 Authentication failed");
        assertThat(head.headers().all("SET-COOKIE")).containsExactly("a=1", "b=2");
        assertThat(head.contentLength()).hasValue(0);
    }

    @Test
    void refusesWhatIsNotHttp() {
        assertThatThrownBy(() -> parse("SSH-2.0-OpenSSH\r\n\r\n"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("no HTTP status line");
        assertThatThrownBy(() -> parse("HTTP/1.1 2xx Fine\r\n\r\n")).hasMessageContaining("bad HTTP status line");
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"))
                .hasMessageContaining("bad HTTP header line");
        assertThatThrownBy(() ->
                        parse("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n").contentLength())
                .hasMessageContaining("bad Content-Length");
    }

    @Test
    void refusesAHeadWithAbsurdlyManyLines() {
        String head = "HTTP/1.1 200 OK\r\n" + "X-A: b\r\n".repeat(HttpResponseHead.MAX_HEADER_LINES) + "\r\n";
        assertThatThrownBy(() -> parse(head)).hasMessageContaining("more than 512 header lines");
    }

    /**
     * Found by HttpResponseHeadFuzzTest (seed crash-set-cookie-with-bare-cr): a bare CR in a cookie went into the next
     * request's Cookie header, which refused it with an IllegalArgumentException. Escape sequences would reach the terminal.
     */
    @Test
    void refusesControlCharactersInTheHead() throws Exception {
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nSet-Cookie: webvpn=abc\rEvil: 1\r\n\r\n"))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(
                        "gateway sent an HTTP head line with a control character (only tab is allowed): 'Set-Cookie: webvpn=abc\\x0dEvil: 1'");
        assertThatThrownBy(() -> parse("HTTP/1.1 503 \u001b[2JService Unavailable\r\n\r\n"))
                .hasMessageContaining("control character")
                .hasMessageContaining("\\x1b[2J");
        assertThat(parse("HTTP/1.1 200 OK\r\nX-A:\tb\r\n\r\n").headers().first("X-A"))
                .contains("b");
    }

    @Test
    void encodesRequestHeadersInTheCaseGiven() {
        HttpRequest request = new HttpRequest.Builder("POST", "/auth")
                .header("X-Aggregate-Auth", "1")
                .body("<x/>".getBytes(StandardCharsets.UTF_8))
                .build();
        assertThat(new String(request.encode(), StandardCharsets.ISO_8859_1))
                .isEqualTo("POST /auth HTTP/1.1\r\nX-Aggregate-Auth: 1\r\nContent-Length: 4\r\n\r\n<x/>");
        assertThat(request.headers()).containsExactly(Map.entry("X-Aggregate-Auth", "1"));
        assertThat(request.toString()).doesNotContain("<x/>");
    }

    @Test
    void refusesHeaderInjection() {
        assertThatThrownBy(() -> new HttpRequest.Builder("GET", "/").header("Cookie", "a\r\nEvil: 1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static HttpResponseHead parse(String text) throws ProtocolException {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return HttpResponseHead.parse(bytes, 0, bytes.length);
    }
}
