package dev.corridor.operator.testing;

import com.sun.net.httpserver.HttpServer;
import dev.corridor.operator.model.SidecarLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A sidecar's HTTP surface as the operator sees it: {@code /status} answering the JSON the real sidecar serves
 * (the fields the operator reads), to callers that present the tunnel's status token, as the real one does for any
 * caller but loopback. It listens where a pod would: on an address of its own (one of loopback's 127.0.0.0/8, which
 * the test gives the pod as its IP) at the sidecar's default port.
 */
public final class FakeSidecar implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile String status;

    /** @param token the token the tunnel's Secret holds now, which callers must present */
    public FakeSidecar(String state, String transport, String address, String connectedSince, Supplier<String> token)
            throws IOException {
        report(state, transport, address, connectedSince);
        server = HttpServer.create(new InetSocketAddress(Fixtures.podAddress(), SidecarLayout.DEFAULT_HTTP_PORT), 64);
        server.createContext("/status", exchange -> {
            requests.incrementAndGet();
            boolean authorised = ("Bearer " + token.get())
                    .equals(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = (authorised ? status : "{\"error\":\"unauthorised\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(authorised ? 200 : 401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // As many handlers as the operator reads at once, so that a thousand pods behind one fake are not queued.
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public void report(String state, String transport, String address, String connectedSince) {
        status = """
                {"state":"%s","ready":%s,"transport":%s,"address":%s,"connectedSince":%s,"mtu":1434}
                """.formatted(
                        state, "connected".equals(state), quoted(transport), quoted(address), quoted(connectedSince));
    }

    /** The pod IP to give the pod this sidecar stands for. */
    public String podIp() {
        return server.getAddress().getAddress().getHostAddress();
    }

    /** How many /status requests arrived. */
    public int requests() {
        return requests.get();
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
