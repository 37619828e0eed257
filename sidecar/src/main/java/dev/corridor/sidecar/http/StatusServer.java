package dev.corridor.sidecar.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.session.TunnelStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The sidecar's HTTP surface: {@code /healthz} (the process is alive), {@code /readyz} (the tunnel carries
 * traffic now), {@code /status} (JSON) and {@code /metrics} (Prometheus). Nothing here reveals a credential or cookie.
 */
public final class StatusServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Supplier<TunnelStatus> status;
    private final Supplier<String> metrics;

    private StatusServer(HttpServer server, Supplier<TunnelStatus> status, Supplier<String> metrics) {
        this.server = server;
        this.status = status;
        this.metrics = metrics;
    }

    /**
     * Starts serving; the address is the configured one (port 0 picks a free port).
     *
     * @param metrics the Prometheus text exposition, made afresh for each scrape
     */
    public static StatusServer start(InetSocketAddress address, Supplier<TunnelStatus> status, Supplier<String> metrics) throws IOException {
        StatusServer surface = new StatusServer(HttpServer.create(address, 16), status, metrics);
        surface.server.createContext("/healthz", exchange -> surface.respond(exchange, 200, "text/plain", "ok\n"));
        surface.server.createContext("/readyz", surface::readiness);
        surface.server.createContext("/status", surface::statusDocument);
        surface.server.createContext("/metrics", exchange -> surface.respond(exchange, 200, "text/plain; version=0.0.4", surface.metrics.get()));
        surface.server.setExecutor(surface.executor);
        surface.server.start();
        return surface;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void readiness(HttpExchange exchange) throws IOException {
        TunnelStatus current = status.get();
        if (current.ready()) {
            respond(exchange, 200, "text/plain", "ready\n");
        } else {
            respond(exchange, 503, "text/plain", "not ready: tunnel " + current.state().label()
                    + current.lastError().map(e -> " (" + e + ")").orElse("") + "\n");
        }
    }

    private void statusDocument(HttpExchange exchange) throws IOException {
        respond(exchange, 200, "application/json", Json.write(document(status.get())) + "\n");
    }

    static Map<String, Object> document(TunnelStatus status) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("state", status.state().label());
        doc.put("ready", status.ready());
        doc.put("transport", status.transport());
        doc.put("server", status.server());
        doc.put("address", status.ipv4().map(a -> a.address().getHostAddress()).orElse(null));
        doc.put("addressIpv6", status.ipv6().map(AssignedAddress::toString).orElse(null));
        doc.put("routes", status.routes().stream().map(Object::toString).toList());
        doc.put("excludedRoutes", status.excludedRoutes().stream().map(Object::toString).toList());
        doc.put("dns", status.dnsServers().stream().map(InetAddress::getHostAddress).toList());
        doc.put("searchDomains", status.searchDomains());
        doc.put("mtu", status.mtu());
        doc.put("connectedSince", status.connectedSince().map(Object::toString).orElse(null));
        doc.put("sessionExpires", status.sessionExpires().map(Object::toString).orElse(null));
        doc.put("idleExpires", status.idleExpires().map(Object::toString).orElse(null));
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("protocol", status.tlsProtocol());
        tls.put("cipherSuite", status.tlsCipherSuite());
        doc.put("tls", tls);
        doc.put("dpdRoundTripMillis", status.dpdRoundTrip().map(d -> d.toNanos() / 1e6).orElse(null));
        TunnelStatus.Dtls dtls = status.dtls();
        Map<String, Object> dtlsDoc = new LinkedHashMap<>();
        dtlsDoc.put("state", dtls.state());
        dtlsDoc.put("mode", dtls.mode().isEmpty() ? null : dtls.mode());
        dtlsDoc.put("cipherSuite", dtls.cipherSuite().isEmpty() ? null : dtls.cipherSuite());
        dtlsDoc.put("detail", dtls.detail().isEmpty() ? null : dtls.detail());
        doc.put("dtls", dtlsDoc);
        TunnelStatus.Traffic traffic = status.traffic();
        Map<String, Object> counters = traffic(traffic.total());
        counters.put("cstp", traffic(traffic.cstp()));
        counters.put("dtls", traffic(traffic.dtls()));
        counters.put("oversizeOverCstp", traffic.oversizeOverCstp());
        counters.put("droppedWhileDown", traffic.droppedWhileDown());
        doc.put("traffic", counters);
        doc.put("reconnect", status.recovery().map(recovery -> {
            Map<String, Object> reconnect = new LinkedHashMap<>();
            reconnect.put("reason", recovery.reason());
            reconnect.put("attempts", recovery.attempts());
            reconnect.put("since", recovery.since().toString());
            return reconnect;
        }).orElse(null));
        doc.put("error", status.lastError().orElse(null));
        return doc;
    }

    private static Map<String, Object> traffic(TunnelStatus.ChannelTraffic traffic) {
        Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("bytesSent", traffic.bytesSent());
        counters.put("bytesReceived", traffic.bytesReceived());
        counters.put("packetsSent", traffic.packetsSent());
        counters.put("packetsReceived", traffic.packetsReceived());
        counters.put("packetsDropped", traffic.packetsDropped());
        return counters;
    }

    private void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(code, -1);
                return;
            }
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    /** For callers that log where the surface listens. */
    public static String describe(InetSocketAddress address) {
        return Optional.ofNullable(address.getAddress()).map(InetAddress::getHostAddress).orElse("*") + ":" + address.getPort();
    }
}
