package dev.corridor.sidecar.http;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A status server alone in a JVM, for {@link SmallHeapTest}: prints its port, then, for each line it reads, the heap in
 * use after a full collection; stops at the end of its input.
 */
final class SmallHeapServer {
    /** About the size of the sidecar's real exposition. */
    private static final String METRICS = "corridor_tunnel_bytes_total{direction=\"sent\"} 1234567\n".repeat(400);

    private SmallHeapServer() {}

    public static void main(String[] args) throws Exception {
        try (StatusServer server = StatusServer.start(
                new InetSocketAddress("127.0.0.1", 0), Optional.empty(), Statuses::connected, () -> METRICS)) {
            System.out.println(server.address().getPort());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                System.gc();
                Runtime runtime = Runtime.getRuntime();
                System.out.println(runtime.totalMemory() - runtime.freeMemory());
            }
        }
    }
}
