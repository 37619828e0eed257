package dev.corridor.operator.chart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Just enough of a Kubernetes API server for a real {@code helm install}: it answers discovery (the version, the API
 * groups and their kinds), which Helm reads to fill {@code .Capabilities}; it holds no objects, says the chart's CRD
 * exists already, and keeps every object Helm creates. Installed against it, the chart renders as on a cluster that
 * serves exactly these APIs. (helm-java's {@code template} cannot pass {@code --api-versions}, and its dry run does
 * not return the manifest.)
 *
 * <p>Helm's client caches discovery on disk, in {@code ~/.kube/cache/discovery/HOST_PORT}; {@link #close()} removes
 * this server's entry, and every answer says {@code no-store} so that nothing lands in the HTTP cache beside it.
 */
public final class FakeApiServer implements AutoCloseable {
    /** A kind an API group version serves: its plural resource name and whether it lives in a namespace. */
    public record Kind(String kind, String resource, boolean namespaced) {}

    /** The APIs the chart's objects need on any cluster, by group version ("v1" is the core group). */
    public static final Map<String, List<Kind>> KUBERNETES = Map.of(
            "v1",
                    List.of(
                            new Kind("ServiceAccount", "serviceaccounts", true),
                            new Kind("Service", "services", true),
                            new Kind("ConfigMap", "configmaps", true),
                            new Kind("Secret", "secrets", true)),
            "apps/v1", List.of(new Kind("Deployment", "deployments", true)),
            "policy/v1", List.of(new Kind("PodDisruptionBudget", "poddisruptionbudgets", true)),
            "rbac.authorization.k8s.io/v1",
                    List.of(
                            new Kind("ClusterRole", "clusterroles", false),
                            new Kind("ClusterRoleBinding", "clusterrolebindings", false),
                            new Kind("Role", "roles", true),
                            new Kind("RoleBinding", "rolebindings", true)),
            "admissionregistration.k8s.io/v1",
                    List.of(new Kind("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false)),
            "apiextensions.k8s.io/v1",
                    List.of(new Kind("CustomResourceDefinition", "customresourcedefinitions", false)));
    /** What the Prometheus Operator's CRDs add. */
    static final Map<String, List<Kind>> WITH_PROMETHEUS_OPERATOR = with(
            KUBERNETES,
            "monitoring.coreos.com/v1",
            List.of(
                    new Kind("PodMonitor", "podmonitors", true),
                    new Kind("ServiceMonitor", "servicemonitors", true),
                    new Kind("PrometheusRule", "prometheusrules", true)));

    /**
     * What {@link RenderedChart#render} installs on: the chart's optional objects too (cert-manager's, NetworkPolicies),
     * but none of the APIs the chart asks {@code .Capabilities} about, as {@code helm template} would render it.
     */
    static final Map<String, List<Kind>> TEMPLATE = with(
            with(
                    KUBERNETES,
                    "cert-manager.io/v1",
                    List.of(new Kind("Issuer", "issuers", true), new Kind("Certificate", "certificates", true))),
            "networking.k8s.io/v1",
            List.of(new Kind("NetworkPolicy", "networkpolicies", true)));

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, List<Kind>> apis;
    private final List<ObjectNode> created = new CopyOnWriteArrayList<>();

    private final int minorVersion;

    private FakeApiServer(HttpServer server, Map<String, List<Kind>> apis, int minorVersion) {
        this.server = server;
        this.apis = apis;
        this.minorVersion = minorVersion;
    }

    /** Serves these group versions on a free loopback port, as Kubernetes 1.31. */
    public static FakeApiServer serving(Map<String, List<Kind>> apis) {
        return serving(apis, 31);
    }

    /** Serves these group versions on a free loopback port, as Kubernetes 1.MINOR. */
    static FakeApiServer serving(Map<String, List<Kind>> apis, int minorVersion) {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeApiServer server = new FakeApiServer(http, apis, minorVersion);
            http.createContext("/", server::answer);
            http.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig for this server. */
    public String kubeconfig() {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: fake, cluster: {server: "http://%s:%d"}}]
                users: [{name: anyone, user: {token: unused}}]
                contexts: [{name: fake, context: {cluster: fake, user: anyone}}]
                current-context: fake
                """.formatted(
                        server.getAddress().getHostString(), server.getAddress().getPort());
    }

    /** The chart's objects created so far, in the order Helm created them. */
    public List<ObjectNode> created() {
        return List.copyOf(created);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            byte[] request = in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            switch (exchange.getRequestMethod()) {
                case "GET" -> {
                    ObjectNode body = switch (path) {
                        case "/version" ->
                            JSON.createObjectNode()
                                    .put("major", "1")
                                    .put("minor", String.valueOf(minorVersion))
                                    .put("gitVersion", "v1." + minorVersion + ".0");
                        case "/api" -> coreVersions();
                        case "/apis" -> groups();
                        default -> resources(path.replaceFirst("^/apis?/", ""));
                    };
                    // No object exists: Helm finds no release and no object in the way of the install.
                    respond(exchange, body == null ? 404 : 200, body == null ? status("NotFound", 404) : body);
                }
                case "POST" -> {
                    if (path.endsWith("/customresourcedefinitions")) {
                        // Helm skips a CRD that exists, and then has nothing to wait for.
                        respond(exchange, 409, status("AlreadyExists", 409));
                    } else if (isJson(exchange)) {
                        ObjectNode object = (ObjectNode) JSON.readTree(request);
                        created.add(object);
                        respond(exchange, 201, object);
                    } else {
                        respond(exchange, 201, releaseRecord());
                    }
                }
                // Helm's update of its release record, once the objects are created.
                case "PUT" -> respond(exchange, 200, releaseRecord());
                default -> respond(exchange, 405, status("MethodNotAllowed", 405));
            }
        }
    }

    /**
     * Helm sends the chart's objects as JSON, and its release record (a Secret, written with client-go's typed
     * client) as protobuf, which this server does not decode: it is no object of the chart.
     */
    private static boolean isJson(HttpExchange exchange) {
        return String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))
                .startsWith("application/json");
    }

    private static ObjectNode releaseRecord() {
        ObjectNode secret = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
        secret.putObject("metadata");
        return secret;
    }

    private static void respond(HttpExchange exchange, int code, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private ObjectNode coreVersions() {
        ObjectNode versions = JSON.createObjectNode().put("kind", "APIVersions");
        versions.putArray("versions").add("v1");
        versions.putArray("serverAddressByClientCIDRs");
        return versions;
    }

    private ObjectNode groups() {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        apis.keySet().stream()
                .filter(groupVersion -> groupVersion.contains("/"))
                .sorted()
                .forEach(groupVersion -> {
                    String[] parts = groupVersion.split("/");
                    ObjectNode group = groups.addObject().put("name", parts[0]);
                    ObjectNode version = JSON.createObjectNode()
                            .put("groupVersion", groupVersion)
                            .put("version", parts[1]);
                    group.putArray("versions").add(version);
                    group.set("preferredVersion", version);
                });
        return list;
    }

    /** The kinds of a group version, or null for any other path. */
    private ObjectNode resources(String groupVersion) {
        List<Kind> kinds = apis.get(groupVersion);
        if (kinds == null) {
            return null;
        }
        ObjectNode list = JSON.createObjectNode()
                .put("kind", "APIResourceList")
                .put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = list.putArray("resources");
        for (Kind kind : kinds) {
            ObjectNode resource = resources
                    .addObject()
                    .put("name", kind.resource())
                    .put("singularName", "")
                    .put("namespaced", kind.namespaced())
                    .put("kind", kind.kind());
            resource.putArray("verbs")
                    .add("create")
                    .add("delete")
                    .add("get")
                    .add("list")
                    .add("patch")
                    .add("update")
                    .add("watch");
        }
        return list;
    }

    private static ObjectNode status(String reason, int code) {
        return JSON.createObjectNode()
                .put("kind", "Status")
                .put("apiVersion", "v1")
                .put("status", "Failure")
                .put("reason", reason)
                .put("code", code);
    }

    static Map<String, List<Kind>> with(Map<String, List<Kind>> apis, String groupVersion, List<Kind> kinds) {
        Map<String, List<Kind>> all = new HashMap<>(apis);
        all.put(groupVersion, kinds);
        return Map.copyOf(all);
    }

    @Override
    public void close() {
        server.stop(0);
        InetSocketAddress address = server.getAddress();
        Path cache = Path.of(
                System.getProperty("user.home"),
                ".kube",
                "cache",
                "discovery",
                address.getHostString() + "_" + address.getPort());
        try (Stream<Path> files = Files.exists(cache) ? Files.walk(cache) : Stream.empty()) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
