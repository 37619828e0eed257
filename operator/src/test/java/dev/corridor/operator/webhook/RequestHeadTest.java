package dev.corridor.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RequestHeadTest {
    @Test
    void theApiServersRequestIsRead() throws Exception {
        RequestHead head = RequestHead.parse(
                "POST /mutate-pods?timeout=10s HTTP/1.1\r\nHost: corridor-webhook.corridor.svc:443\r\n"
                        + "User-Agent: kube-apiserver-admission\r\nContent-Length: 1234\r\nContent-Type: application/json\r\n"
                        + "Accept-Encoding: gzip\r\n\r\n");

        assertThat(head).isEqualTo(new RequestHead("POST", "/mutate-pods", true, OptionalLong.of(1234), false));
    }

    @Test
    void theClientDecidesWhetherTheConnectionStaysOpen() throws Exception {
        assertThat(RequestHead.parse("GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n")
                        .keepAlive())
                .isFalse();
        assertThat(RequestHead.parse("GET /readyz HTTP/1.0\r\n\r\n").keepAlive())
                .isFalse();
        assertThat(RequestHead.parse("GET /readyz HTTP/1.1\r\nconnection: keep-alive\r\n\r\n")
                        .keepAlive())
                .isTrue();
        assertThat(RequestHead.parse("POST /mutate-pods HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .chunked())
                .isTrue();
    }

    @Test
    void whatIsNotAnHttpHeadIsRefusedWithTheReason() {
        assertThatThrownBy(() -> RequestHead.parse("GET /readyz HTTP/2\r\n\r\n"))
                .hasMessage("not an HTTP/1.1 request line");
        assertThatThrownBy(() -> RequestHead.parse("GET readyz HTTP/1.1\r\n\r\n"))
                .hasMessage("not an HTTP/1.1 request line");
        assertThatThrownBy(() -> RequestHead.parse("GET /readyz HTTP/1.1\r\nno colon\r\n\r\n"))
                .hasMessage("not a header line: no colon");
        assertThatThrownBy(() -> RequestHead.parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"))
                .hasMessage("Content-Length '-1' is not one length");
        assertThatThrownBy(() -> RequestHead.parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))
                .hasMessage("Content-Length '6' is not one length");
        assertThatThrownBy(() -> RequestHead.parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"))
                .hasMessage("Content-Length '99999999999999999999' is not one length");
    }

    @Test
    void readingStopsAtTheBlankLineAndAtTheBound() throws Exception {
        InputStream in = new ByteArrayInputStream(
                "OST /mutate-pods HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII));

        assertThat(RequestHead.read('P', in, 1024).contentLength()).hasValue(4);
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("body");

        InputStream endless = new ByteArrayInputStream(
                ("ET / HTTP/1.1\r\nX-Padding: " + "a".repeat(20_000)).getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> RequestHead.read('G', endless, 16 * 1024))
                .hasMessage("request head larger than 16384 bytes");
        assertThat(endless.available()).as("read no further than the bound").isGreaterThan(3000);
    }
}
