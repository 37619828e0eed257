package dev.corridor.operator.metrics;

import static dev.corridor.operator.testing.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.corridor.operator.crd.VpnTunnel;
import dev.corridor.operator.crd.VpnTunnelStatus;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tunnel series follow the VpnTunnels' statuses in the API server, and /metrics serves them. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TunnelMetricsFeedIT {
    KubernetesClient client;

    @Test
    void tunnelSeriesFollowTheStatusesAndGoWithTheTunnel() throws Exception {
        Fixtures.installCrd(client);
        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        VpnTunnel reported =
                client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        reported.setStatus(new VpnTunnelStatus(
                1L,
                List.of(condition("Ready", "False"), condition("ConfigValid", "True"), condition("Degraded", "True")),
                3,
                2,
                List.of(),
                null,
                null));
        client.resource(reported).updateStatus();
        client.resource(Fixtures.tunnel("fresh", "vpn-login")).create();

        try (TunnelMetricsFeed feed = TunnelMetricsFeed.start(client, metrics, WatchedNamespaces.ALL);
                MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), metrics)) {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(get(server))
                            .contains(
                                    "corridor_operator_tunnel_injected_pods{namespace=\"" + NAMESPACE
                                            + "\",tunnel=\"corp\"} 3",
                                    "corridor_operator_tunnel_connected_pods{namespace=\"" + NAMESPACE
                                            + "\",tunnel=\"corp\"} 2",
                                    "corridor_operator_tunnel_connected_pods{namespace=\"" + NAMESPACE
                                            + "\",tunnel=\"fresh\"} 0",
                                    "corridor_operator_tunnels{condition=\"Ready\",status=\"False\"} 1",
                                    "corridor_operator_tunnels{condition=\"Ready\",status=\"Unknown\"} 1",
                                    "corridor_operator_tunnels{condition=\"Ready\",status=\"True\"} 0",
                                    "corridor_operator_tunnels{condition=\"Degraded\",status=\"True\"} 1"));

            client.resources(VpnTunnel.class)
                    .inNamespace(NAMESPACE)
                    .withName("corp")
                    .delete();

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(get(server))
                            .doesNotContain("tunnel=\"corp\"")
                            .contains(
                                    "corridor_operator_tunnels{condition=\"Ready\",status=\"False\"} 0",
                                    "corridor_operator_tunnels{condition=\"Ready\",status=\"Unknown\"} 1"));
        }
    }

    @Test
    void inNamespacedModeOnlyTheWatchedNamespacesTunnelsAreReported() throws Exception {
        Fixtures.installCrd(client);
        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        client.resource(Fixtures.tunnel("corp", "vpn-login")).create();
        VpnTunnel elsewhere = Fixtures.tunnel("corp", "vpn-login");
        elsewhere.getMetadata().setNamespace("other");
        client.resource(elsewhere).create();

        try (TunnelMetricsFeed feed =
                        TunnelMetricsFeed.start(client, metrics, new WatchedNamespaces(Set.of(NAMESPACE)));
                MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), metrics)) {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(get(server))
                            .contains("corridor_operator_tunnel_injected_pods{namespace=\"" + NAMESPACE
                                    + "\",tunnel=\"corp\"} 0")
                            .doesNotContain("namespace=\"other\""));
        }
    }

    private static Condition condition(String type, String status) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason("Test")
                .withMessage("")
                .withLastTransitionTime("2026-11-22T00:00:00Z")
                .build();
    }

    private static String get(MetricsServer server) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            return response.body();
        }
    }
}
