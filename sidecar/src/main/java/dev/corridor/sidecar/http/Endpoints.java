package dev.corridor.sidecar.http;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.session.TunnelStatus;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The answers of {@code /healthz}, {@code /readyz}, {@code /status} and {@code /metrics}. */
final class Endpoints {
    private final Supplier<TunnelStatus> status;
    private final Supplier<String> metrics;

    Endpoints(Supplier<TunnelStatus> status, Supplier<String> metrics) {
        this.status = status;
        this.metrics = metrics;
    }

    Response answer(Request request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return Response.text(405, "only GET and HEAD are served\n").with("Allow", "GET, HEAD");
        }
        return switch (request.path()) {
            case "/healthz" -> Response.text(200, "ok\n");
            case "/readyz" -> readiness();
            case "/status" -> new Response(200, "application/json", Json.write(document(status.get())) + "\n", Map.of());
            case "/metrics" -> new Response(200, "text/plain; version=0.0.4", metrics.get(), Map.of());
            default -> Response.text(404, "not found: this server has /healthz, /readyz, /status and /metrics\n");
        };
    }

    private Response readiness() {
        TunnelStatus current = status.get();
        if (current.ready()) {
            return Response.text(200, "ready\n");
        }
        return Response.text(503, "not ready: tunnel " + current.state().label()
                + current.lastError().map(e -> " (" + e + ")").orElse("") + "\n");
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
}
