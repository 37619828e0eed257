package dev.corridor.sidecar.http;

import dev.corridor.sidecar.session.TunnelStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sidecar's HTTP surface: {@code /healthz} (the process is alive), {@code /readyz} (the tunnel carries
 * traffic now), {@code /status} (JSON) and {@code /metrics} (Prometheus). Nothing here reveals a credential or cookie;
 * {@link Endpoints} says who may see the tunnel's details, {@link BoundedHttpServer} why an attacker cannot take the
 * probes down.
 */
public final class StatusServer implements AutoCloseable {
    private final BoundedHttpServer server;

    private StatusServer(BoundedHttpServer server) {
        this.server = server;
    }

    /**
     * Starts serving; the address is the configured one (port 0 picks a free port).
     *
     * @param statusTokenFile where the token is that callers other than loopback present for {@code /status}; read
     *                        now, and again when it changes
     * @param metrics         the Prometheus text exposition, made afresh for each scrape
     */
    public static StatusServer start(
            InetSocketAddress address,
            Optional<Path> statusTokenFile,
            Supplier<TunnelStatus> status,
            Supplier<String> metrics)
            throws IOException {
        Endpoints endpoints = new Endpoints(statusTokenFile.map(StatusToken::read), status, metrics);
        return new StatusServer(BoundedHttpServer.start(address, endpoints::answer));
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
    }

    /** For callers that log where the surface listens. */
    public static String describe(InetSocketAddress address) {
        return Optional.ofNullable(address.getAddress())
                        .map(InetAddress::getHostAddress)
                        .orElse("*") + ":" + address.getPort();
    }
}
