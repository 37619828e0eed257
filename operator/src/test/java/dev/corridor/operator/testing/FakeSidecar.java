package dev.corridor.operator.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A sidecar's HTTP surface as the operator sees it: {@code /status} answering the JSON the real sidecar serves
 * (the fields the operator reads), on a loopback port. The pod the test creates points at it.
 */
public final class FakeSidecar implements AutoCloseable {
    private final HttpServer server;
    private volatile String status;

    public FakeSidecar(String state, String transport, String address, String connectedSince) throws IOException {
        report(state, transport, address, connectedSince);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/status", exchange -> {
            byte[] body = status.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public void report(String state, String transport, String address, String connectedSince) {
        status = """
                {"state":"%s","ready":%s,"transport":%s,"address":%s,"connectedSince":%s,"mtu":1434}
                """.formatted(state, "connected".equals(state), quoted(transport), quoted(address), quoted(connectedSince));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
