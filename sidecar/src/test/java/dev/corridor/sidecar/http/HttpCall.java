package dev.corridor.sidecar.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One request on a fresh connection, read until the server closes it, within {@link #TIMEOUT} for the connection and
 * for each read: the kubelet's way of probing.
 *
 * @param status 0 when the connection ended before a status line
 */
record HttpCall(int status, String head, String body, Duration took) {
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    static HttpCall get(InetSocketAddress server, String path) throws IOException {
        return send(server, "GET " + path + " HTTP/1.1\r\nHost: pod\r\nUser-Agent: kube-probe/1.34\r\n\r\n");
    }

    static HttpCall send(InetSocketAddress server, String request) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(server, (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return parse(
                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }

    static HttpCall parse(String answer, Duration took) {
        int end = answer.indexOf("\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 ") || end < 0) {
            return new HttpCall(0, answer, "", took);
        }
        return new HttpCall(
                Integer.parseInt(answer.substring(9, 12)), answer.substring(0, end), answer.substring(end + 4), took);
    }
}
