package dev.corridor.sidecar.http;

import dev.corridor.sidecar.net.AssignedAddress;
import dev.corridor.sidecar.protocol.tunnel.DtlsCipher;
import dev.corridor.sidecar.session.TunnelStatus;
import dev.corridor.sidecar.transport.dtls.DtlsHandshake;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The answers of {@code /healthz}, {@code /readyz}, {@code /status} and {@code /metrics}, and who may see what.
 *
 * <p>The tunnel's details ({@code /status}, and why {@code /readyz} fails) name the gateway, the addresses and the
 * routes behind it: they go to loopback callers (the pod's own containers, {@code kubectl port-forward}) and to callers
 * presenting the token of the status token file. Loopback is the connection's own address, never a header. The
 * probes and {@code /metrics} stay open to all: the kubelet and Prometheus call from other addresses.
 */
final class Endpoints {
    private static final String NO_TOKEN_FILE =
            "/status answers loopback callers only (e.g. through kubectl port-forward). "
                    + "For other callers, start the sidecar with --status-token-file FILE and send "
                    + "'Authorization: Bearer TOKEN' with the token in FILE.\n";
    private static final String TOKEN_UNAVAILABLE =
            "/status answers loopback callers only for now: the sidecar cannot use its "
                    + "status token file (its log says why).\n";
    private static final String TOKEN_REQUIRED =
            "/status needs 'Authorization: Bearer TOKEN' with the token in the sidecar's "
                    + "status token file, or a loopback caller.\n";

    private final Optional<StatusToken> token;
    private final Supplier<TunnelStatus> status;
    private final Supplier<String> metrics;

    Endpoints(Optional<StatusToken> token, Supplier<TunnelStatus> status, Supplier<String> metrics) {
        this.token = token;
        this.status = status;
        this.metrics = metrics;
    }

    Response answer(Request request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return Response.text(405, "only GET and HEAD are served\n").with("Allow", "GET, HEAD");
        }
        return switch (request.path()) {
            case "/healthz" -> Response.text(200, "ok\n");
            case "/readyz" -> readiness(request);
            case "/status" ->
                refusal(request)
                        .orElseGet(() -> new Response(
                                200, "application/json", Json.write(document(status.get())) + "\n", Map.of()));
            case "/metrics" -> new Response(200, "text/plain; version=0.0.4", metrics.get(), Map.of());
            default -> Response.text(404, "not found: this server has /healthz, /readyz, /status and /metrics\n");
        };
    }

    private Response readiness(Request request) {
        TunnelStatus current = status.get();
        if (current.ready()) {
            return Response.text(200, "ready\n");
        }
        String why = refusal(request).isEmpty()
                ? current.lastError().map(e -> " (" + e + ")").orElse("")
                : "";
        return Response.text(503, "not ready: tunnel " + current.state().label() + why + "\n");
    }

    /** Why this caller may not see the tunnel's details, as the answer to send; empty when it may. */
    private Optional<Response> refusal(Request request) {
        if (request.remote().isLoopbackAddress()) {
            return Optional.empty();
        }
        if (token.isEmpty()) {
            return Optional.of(Response.text(403, NO_TOKEN_FILE));
        }
        return switch (token.get().check(request.authorization())) {
            case ACCEPTED -> Optional.empty();
            case UNAVAILABLE -> Optional.of(Response.text(403, TOKEN_UNAVAILABLE));
            case MISSING -> Optional.of(Response.text(401, TOKEN_REQUIRED).with("WWW-Authenticate", "Bearer"));
            case WRONG ->
                Optional.of(
                        Response.text(401, TOKEN_REQUIRED).with("WWW-Authenticate", "Bearer error=\"invalid_token\""));
        };
    }

    static Map<String, Object> document(TunnelStatus status) {
        Optional<TunnelStatus.Session> session = status.session();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("state", status.state().label());
        doc.put("ready", status.ready());
        doc.put("transport", status.transport().label());
        doc.put("server", status.server());
        doc.put(
                "address",
                session.flatMap(TunnelStatus.Session::ipv4)
                        .map(a -> a.address().getHostAddress())
                        .orElse(null));
        doc.put(
                "addressIpv6",
                session.flatMap(TunnelStatus.Session::ipv6)
                        .map(AssignedAddress::toString)
                        .orElse(null));
        doc.put(
                "routes",
                status.routes().through().stream().map(Object::toString).toList());
        doc.put(
                "excludedRoutes",
                status.routes().around().stream().map(Object::toString).toList());
        doc.put(
                "dns",
                session.map(s -> s.dnsServers().stream()
                                .map(InetAddress::getHostAddress)
                                .toList())
                        .orElse(List.of()));
        doc.put(
                "searchDomains",
                session.map(TunnelStatus.Session::searchDomains).orElse(List.of()));
        doc.put("mtu", session.map(TunnelStatus.Session::mtu).orElse(0));
        doc.put(
                "connectedSince",
                session.map(s -> s.connectedSince().toString()).orElse(null));
        doc.put(
                "sessionExpires",
                session.flatMap(TunnelStatus.Session::expires)
                        .map(Object::toString)
                        .orElse(null));
        doc.put("idleExpires", status.live().idleExpires().map(Object::toString).orElse(null));
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("protocol", session.map(s -> s.tls().protocol()).orElse(""));
        tls.put("cipherSuite", session.map(s -> s.tls().cipherSuite()).orElse(""));
        tls.put("forwardSecrecy", session.map(s -> s.tls().forwardSecrecy()).orElse(null));
        doc.put("tls", tls);
        doc.put(
                "dpdRoundTripMillis",
                status.live().dpdRoundTrip().map(d -> d.toNanos() / 1e6).orElse(null));
        TunnelStatus.Dtls dtls = status.live().dtls();
        Map<String, Object> dtlsDoc = new LinkedHashMap<>();
        dtlsDoc.put("state", dtls.state().label());
        dtlsDoc.put("mode", dtls.mode().map(DtlsHandshake.Mode::label).orElse(null));
        dtlsDoc.put(
                "cipherSuite", dtls.cipher().map(DtlsCipher::openConnectName).orElse(null));
        dtlsDoc.put("protocol", dtls.protocol().map(DtlsCipher.Protocol::label).orElse(null));
        dtlsDoc.put("detail", dtls.detail().isEmpty() ? null : dtls.detail());
        doc.put("dtls", dtlsDoc);
        TunnelStatus.Login login = status.login();
        Map<String, Object> banner = new LinkedHashMap<>();
        banner.put("beforeLogin", login.bannerBeforeLogin().orElse(null));
        banner.put("afterLogin", login.banner().orElse(null));
        doc.put("banner", banner);
        doc.put(
                "clientCertificateExpires",
                login.certificateExpires().map(Object::toString).orElse(null));
        TunnelStatus.Traffic traffic = status.traffic();
        Map<String, Object> counters = traffic(traffic.total());
        counters.put("cstp", traffic(traffic.cstp()));
        counters.put("dtls", traffic(traffic.dtls()));
        counters.put("oversizeOverCstp", traffic.oversizeOverCstp());
        counters.put("droppedWhileDown", traffic.droppedWhileDown());
        doc.put("traffic", counters);
        doc.put(
                "reconnect",
                status.recovery()
                        .map(recovery -> {
                            Map<String, Object> reconnect = new LinkedHashMap<>();
                            reconnect.put("reason", recovery.reason());
                            reconnect.put("attempts", recovery.attempts());
                            reconnect.put("since", recovery.since().toString());
                            return reconnect;
                        })
                        .orElse(null));
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
