package dev.corridor.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corridor.operator.metrics.MetricsServer;
import dev.corridor.operator.metrics.OperatorMetrics;
import dev.corridor.operator.metrics.TunnelMetricsFeed;
import dev.corridor.operator.model.AllowedImages;
import dev.corridor.operator.model.InjectionSettings;
import dev.corridor.operator.model.SidecarLayout;
import dev.corridor.operator.model.WatchedNamespaces;
import dev.corridor.operator.monitoring.MonitoringFiles.Alert;
import dev.corridor.operator.monitoring.MonitoringFiles.LabelValuesVariable;
import dev.corridor.operator.monitoring.MonitoringFiles.PanelQuery;
import dev.corridor.operator.reconciler.SidecarProbe;
import dev.corridor.operator.reconciler.VpnTunnelReconciler;
import dev.corridor.operator.testing.Fixtures;
import dev.corridor.operator.webhook.RunningWebhook;
import dev.corridor.sidecar.testing.Commands;
import dev.corridor.sidecar.testing.GatewayLab;
import dev.corridor.sidecar.testing.NetworkNamespace;
import dev.corridor.sidecar.testing.SidecarProcess;
import dev.corridor.sidecar.testing.TcpTransfer;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alerts and the dashboard against what Corridor really exports, through a real Prometheus. The real sidecar
 * carries a tunnel to the lab's ocserv in the pod namespace; the operator (reconciler with the operator SDK's
 * Micrometer metrics, tunnel metrics feed, /metrics server, as CorridorOperator composes them) runs on the mock API
 * server and reads the real sidecar's /status through {@link PodPortForward}; its webhook answers a steady trickle of
 * admissions, and gave the pod its sidecar. Prometheus runs in the pod namespace,
 * scrapes both every second, and evaluates charts/corridor/files/corridor-alerts.yaml itself. The scrape
 * configuration adds the labels the chart's PodMonitor adds (namespace, pod, tunnel), and reads the operator with
 * honor_labels as its ServiceMonitor does.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MonitoringIT {
    private static final String TUNNEL = "corp-vpn";
    private static final String POD = "billing-7c9d8-x2x4z";
    private static final String OPERATOR_NAMESPACE = "corridor-system";
    private static final InjectionSettings INJECTION = new InjectionSettings(
            "corridor-sidecar:0.1.0",
            "IfNotPresent",
            InjectionSettings.Mode.NATIVE,
            InjectionSettings.TunDevice.HOST_PATH,
            new ResourceRequirements(),
            AllowedImages.NONE);
    /** What Grafana puts for $__rate_interval at a 1 s scrape interval and a short time range is 4 s; longer is steadier here. */
    private static final String RATE_INTERVAL = "15s";

    private static final String RANGE = "5m";
    private static final long TRANSFER_BYTES = 8L * 1024 * 1024;
    private static final Duration SCRAPES = Duration.ofSeconds(20);

    static KubernetesClient client;
    private static GatewayLab lab;
    private static NetworkNamespace pod;
    private static NetworkNamespace corp;
    private static SidecarProcess sidecar;
    private static Operator operator;
    private static TunnelMetricsFeed tunnelFeed;
    private static MetricsServer operatorMetricsServer;
    private static PodPortForward sidecarStatusPort;
    private static RunningWebhook webhook;
    private static ScheduledExecutorService admissions;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws Exception {
        // dpd = 2: round trips to observe within seconds. A session and an idle timeout: their gauges get values.
        lab = GatewayLab.start("cormon", "dpd = 2", "session-timeout = 3600", "idle-timeout = 1800");
        pod = NetworkNamespace.attach(lab.podNamespace());
        corp = NetworkNamespace.attach(lab.corpNamespace());
        sidecar = SidecarProcess.start(
                lab.podNamespace(),
                lab.password() + "\n",
                "--cafile",
                lab.caFile().toString(),
                "-u",
                lab.user(),
                "--passwd-on-stdin",
                "--http-address",
                SidecarProcess.HTTP_ADDRESS,
                lab.gatewayUrl());
        sidecar.awaitReady(Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(15))
                .until(() ->
                        sidecar.status().path("dtls").path("state").asText().equals("up"));

        startOperator();
        prometheus = PrometheusServer.start(
                lab.podNamespace(), prometheusConfiguration(operatorMetricsServer.port()), Duration.ofSeconds(30));
    }

    /** The operator's parts that make its metrics, on the mock API server; /metrics listens in the pod namespace. */
    private static void startOperator() throws Exception {
        Fixtures.installCrd(client);
        client.resource(Fixtures.credentials("corp-vpn-credentials")).create();
        client.resource(Fixtures.tunnel(TUNNEL, "corp-vpn-credentials")).create();

        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        operatorMetricsServer = pod.call(
                () -> MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics));
        tunnelFeed = TunnelMetricsFeed.start(client, metrics, WatchedNamespaces.ALL);
        // The mock answers neither server-side apply nor strategic merge; production keeps both on.
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withMetrics(metrics.sdkMetrics())
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withCloseClientOnStop(false));
        operator.register(new VpnTunnelReconciler(
                client,
                Fixtures.CLUSTER_DNS,
                new SidecarProbe(INJECTION, Duration.ofSeconds(2), Clock.systemUTC()),
                Clock.systemUTC(),
                Duration.ofSeconds(1)));
        operator.start();

        // The injected pod as the kubelet reports it running and ready; its sidecar's port leads to the real sidecar.
        sidecarStatusPort = PodPortForward.to(
                pod,
                Integer.parseInt(SidecarProcess.HTTP_ADDRESS.split(":")[1]),
                new InetSocketAddress(Fixtures.podAddress(), SidecarLayout.DEFAULT_HTTP_PORT));
        webhook = RunningWebhook.start(client, INJECTION, Fixtures.CLUSTER_DNS, WatchedNamespaces.ALL, metrics);
        Pod injected = webhook.inject(Fixtures.annotatedPod(POD, TUNNEL), Fixtures.NAMESPACE);
        client.resource(new PodBuilder(injected)
                        .withNewStatus()
                        .withPhase("Running")
                        .withPodIP(sidecarStatusPort.address())
                        .addToInitContainerStatuses(new ContainerStatusBuilder()
                                .withName(SidecarLayout.CONTAINER_NAME)
                                .withReady(true)
                                .withStarted(true)
                                .withNewState()
                                .withNewRunning()
                                .endRunning()
                                .endState()
                                .build())
                        .endStatus()
                        .build())
                .create();

        // Admissions through the real webhook, as the API server sends them: a steady trickle, so that their rates have
        // data.
        Pod plain = new PodBuilder(Fixtures.annotatedPod("batch-job", TUNNEL))
                .editMetadata()
                .withAnnotations(Map.of())
                .endMetadata()
                .build();
        admissions = Executors.newSingleThreadScheduledExecutor();
        admissions.scheduleWithFixedDelay(
                () -> {
                    try {
                        webhook.inject(Fixtures.annotatedPod(POD, TUNNEL), Fixtures.NAMESPACE);
                        webhook.admit(plain, Fixtures.NAMESPACE);
                    } catch (Exception e) {
                        throw new IllegalStateException("the webhook did not answer an admission", e);
                    }
                },
                0,
                250,
                TimeUnit.MILLISECONDS);
    }

    private static String prometheusConfiguration(int operatorPort) {
        return """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: corridor-sidecar
                    static_configs:
                      - targets: ["%s"]
                        labels: {namespace: %s, pod: %s, tunnel: %s}
                  - job_name: corridor-operator
                    honor_labels: true
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels: {namespace: %s, pod: corridor-operator-5f7b9-k8s2x}
                """.formatted(
                        MonitoringFiles.ALERTS,
                        SidecarProcess.HTTP_ADDRESS,
                        Fixtures.NAMESPACE,
                        POD,
                        TUNNEL,
                        operatorPort,
                        OPERATOR_NAMESPACE);
    }

    @AfterAll
    static void stop() throws Exception {
        // Each part is stopped even when starting a later one failed.
        if (prometheus != null) {
            prometheus.close();
        }
        if (admissions != null) {
            admissions.shutdownNow();
        }
        if (webhook != null) {
            webhook.close();
        }
        if (operator != null) {
            operator.stop();
        }
        if (tunnelFeed != null) {
            tunnelFeed.close();
        }
        if (operatorMetricsServer != null) {
            operatorMetricsServer.close();
        }
        if (sidecarStatusPort != null) {
            sidecarStatusPort.close();
        }
        if (sidecar != null) {
            sidecar.close();
        }
        for (NetworkNamespace namespace : new NetworkNamespace[] {pod, corp}) {
            if (namespace != null) {
                namespace.close();
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void prometheusScrapesTheSidecarAndTheOperatorAndSeesTheTunnelUp() {
        awaitValue("up{job=\"corridor-sidecar\"}", 1);
        awaitValue("up{job=\"corridor-operator\"}", 1);
        awaitValue("corridor_tunnel_up{namespace=\"apps\",pod=\"" + POD + "\",tunnel=\"" + TUNNEL + "\"}", 1);
        awaitValue("corridor_tunnel_state{state=\"connected\",tunnel=\"" + TUNNEL + "\"}", 1);
        awaitValue("corridor_tunnel_info{transport=\"dtls\",tunnel=\"" + TUNNEL + "\"}", 1);
        // The operator counted the pod from the real sidecar's /status, and its series keep the tunnel's namespace.
        awaitValue("corridor_operator_tunnel_injected_pods{namespace=\"apps\",tunnel=\"" + TUNNEL + "\"}", 1);
        awaitValue("corridor_operator_tunnel_connected_pods{namespace=\"apps\",tunnel=\"" + TUNNEL + "\"}", 1);
        awaitValue(
                "corridor_operator_tunnels{condition=\"Ready\",status=\"True\",namespace=\"" + OPERATOR_NAMESPACE
                        + "\"}",
                1);
        // The webhook's own count of the admissions it answered.
        for (String outcome : List.of("injected", "skipped")) {
            await().atMost(SCRAPES)
                    .untilAsserted(() -> assertThat(
                                    values("corridor_webhook_admission_seconds_count{outcome=\"" + outcome + "\"}"))
                            .singleElement()
                            .satisfies(count -> assertThat(count).isPositive()));
        }
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(values("corridor_tunnel_session_remaining_seconds"))
                        .singleElement()
                        .satisfies(remaining -> assertThat(remaining).isBetween(3000.0, 3600.0)));
    }

    @Test
    void byteCountersGrowByAtLeastWhatWentThroughTheTunnel() throws Exception {
        String sent = "sum(corridor_tunnel_traffic_bytes_total{channel=\"dtls\",direction=\"sent\",tunnel=\"" + TUNNEL
                + "\"})";
        String packets =
                "sum(corridor_tunnel_packets_total{channel=\"dtls\",direction=\"sent\",tunnel=\"" + TUNNEL + "\"})";
        await().atMost(SCRAPES).until(() -> !values(sent).isEmpty());
        double sentBefore = values(sent).getFirst();
        double packetsBefore = values(packets).getFirst();

        TcpTransfer.Outcome outcome = TcpTransfer.send(pod, corp, lab.get("LAB_CORP_HOST_2"), 5001, TRANSFER_BYTES);
        assertThat(outcome.received().sha256()).isEqualTo(outcome.sentSha256());

        // Once the transfer is over, Prometheus has the sidecar's own count: the IP packets it sent over DTLS, the
        // payload
        // with its headers and whatever TCP sent again.
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(values(sent).getFirst())
                        .isEqualTo(sidecar.status()
                                .path("traffic")
                                .path("dtls")
                                .path("bytesSent")
                                .asDouble()));
        assertThat(values(sent).getFirst() - sentBefore).isGreaterThanOrEqualTo(TRANSFER_BYTES);
        assertThat(values(packets).getFirst() - packetsBefore).isGreaterThan(TRANSFER_BYTES / 1500.0);
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(values("sum(rate(corridor_tunnel_traffic_bytes_total{channel=\"dtls\","
                                        + "direction=\"received\",tunnel=\"" + TUNNEL + "\"}[" + RATE_INTERVAL + "]))")
                                .getFirst())
                        .isPositive());
    }

    @Test
    void deadPeerDetectionRoundTripsAreObserved() {
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(
                                values("corridor_tunnel_dpd_round_trip_seconds_count{channel=\"dtls\",tunnel=\""
                                                + TUNNEL + "\"}")
                                        .getFirst())
                        .isPositive());
        // Between namespaces of one machine: well under 100 ms, and never zero.
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(values("histogram_quantile(0.9, sum by (le) (rate("
                                + "corridor_tunnel_dpd_round_trip_seconds_bucket{channel=\"dtls\",tunnel=\"" + TUNNEL
                                + "\"}[" + RATE_INTERVAL + "])))"))
                        .singleElement()
                        .satisfies(
                                seconds -> assertThat(seconds).isGreaterThan(0).isLessThan(0.1)));
    }

    @Test
    void prometheusEvaluatesEveryAlertRuleWithoutErrorAndNoneFiresForAHealthyTunnel() throws Exception {
        List<String> names = MonitoringFiles.alerts().stream().map(Alert::name).toList();
        // Evaluated at least twice since the targets were up: the rules have seen data.
        awaitValue("up{job=\"corridor-operator\"}", 1);
        Thread.sleep(2500);
        List<JsonNode> rules = await().atMost(SCRAPES)
                .until(
                        MonitoringIT::rules,
                        list -> list.size() == names.size()
                                && list.stream()
                                        .noneMatch(rule -> rule.path("lastEvaluation")
                                                .asText()
                                                .startsWith("0001-")));

        assertThat(rules).extracting(rule -> rule.path("name").asText()).containsExactlyInAnyOrderElementsOf(names);
        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.path("health").asText())
                    .as(rule.path("name").asText() + ": "
                            + rule.path("lastError").asText())
                    .isEqualTo("ok");
            assertThat(rule.path("lastError").asText(""))
                    .as(rule.path("name").asText())
                    .isEmpty();
        });
        // Until the operator has counted the pod connected, CorridorPodsNotConnected may be pending.
        awaitValue("corridor_operator_tunnel_connected_pods{tunnel=\"" + TUNNEL + "\"}", 1);
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(prometheus.alerts().path("alerts"))
                        .as("pending or firing alerts")
                        .isEmpty());
    }

    @Test
    void everyMetricTheAlertsSelectOrPointTheOnCallToHasSeries() throws Exception {
        // Both targets scraped at least once: on a loaded machine the sidecar's first scrape can come after the
        // operator's.
        awaitValue("up{job=\"corridor-sidecar\"}", 1);
        awaitValue("up{job=\"corridor-operator\"}", 1);
        awaitValue("corridor_operator_tunnel_connected_pods{tunnel=\"" + TUNNEL + "\"}", 1);
        Pattern named = Pattern.compile("corridor_[a-z_]+");
        for (Alert alert : MonitoringFiles.alerts()) {
            // The threshold conditions are false for a healthy tunnel; each selector in them must still find series.
            for (String selector : MonitoringFiles.selectors(alert.expr())) {
                assertThat(prometheus.series(selector))
                        .as(alert.name() + ": " + selector)
                        .isNotEmpty();
            }
            for (String metric : named.matcher(alert.annotations().get("description"))
                    .results()
                    .map(match -> match.group())
                    .toList()) {
                assertThat(prometheus.series(metric))
                        .as(alert.name() + " description names " + metric)
                        .isNotEmpty();
            }
        }
    }

    @Test
    void everyDashboardQueryReturnsFiniteDataForTheRunningTunnel() throws Exception {
        // Rates and the DPD quantiles need a window of scrapes and round trips behind them.
        await().atMost(SCRAPES)
                .until(() -> !values("corridor_tunnel_dpd_round_trip_seconds_count{channel=\"dtls\"} > 1")
                        .isEmpty());
        awaitValue("corridor_operator_tunnel_connected_pods{tunnel=\"" + TUNNEL + "\"}", 1);
        Thread.sleep(Duration.ofSeconds(15));

        for (PanelQuery query : MonitoringFiles.panelQueries()) {
            String promql = substitute(query.expr());
            JsonNode data = prometheus.query(promql);
            assertThat(data.path("result")).as(query + ": " + promql).isNotEmpty();
            assertThat(finite(data))
                    .as(query + " has a finite value: " + promql + " gave " + data.path("result"))
                    .isNotEmpty();
        }
        for (LabelValuesVariable variable : MonitoringFiles.labelValuesVariables()) {
            assertThat(prometheus.labelValues(variable.label(), substitute(variable.selector())))
                    .as(variable.name())
                    .extracting(JsonNode::asText)
                    .contains(variable.name().equals("tunnel") ? TUNNEL : Fixtures.NAMESPACE);
        }
    }

    @Test
    void promtoolFindsNothingToCriticizeInTheSidecarsOrTheOperatorsMetrics() throws Exception {
        awaitValue("corridor_operator_tunnel_connected_pods{tunnel=\"" + TUNNEL + "\"}", 1);
        String sidecarMetrics = sidecar.httpGet("/metrics");
        String operatorMetrics = Commands.run(
                "ip",
                "netns",
                "exec",
                lab.podNamespace(),
                "curl",
                "-sf",
                "--max-time",
                "5",
                "http://127.0.0.1:" + operatorMetricsServer.port() + MetricsServer.PATH);
        // What is linted: the tunnel's series, the operator's, the operator SDK's reconciliation metrics, the JVMs'.
        assertThat(sidecarMetrics)
                .contains(
                        "corridor_tunnel_up ",
                        "corridor_tunnel_dpd_round_trip_seconds_bucket",
                        "jvm_memory_used_bytes");
        assertThat(operatorMetrics)
                .contains(
                        "corridor_operator_tunnel_connected_pods",
                        "corridor_webhook_admission_seconds_bucket",
                        "operator_sdk_");

        Promtool.Result sidecarLint = Promtool.checkMetrics(sidecarMetrics);
        assertThat(sidecarLint.output())
                .as("promtool check metrics on the sidecar's /metrics")
                .isEmpty();
        assertThat(sidecarLint.exitCode()).isZero();
        Promtool.Result operatorLint = Promtool.checkMetrics(operatorMetrics);
        assertThat(operatorLint.output())
                .as("promtool check metrics on the operator's /metrics")
                .isEmpty();
        assertThat(operatorLint.exitCode()).isZero();
    }

    /** A panel's query as Grafana sends it for this namespace and tunnel. */
    private static String substitute(String expr) {
        return expr.replace("$namespace", Fixtures.NAMESPACE)
                .replace("$tunnel", TUNNEL)
                .replace("$__rate_interval", RATE_INTERVAL)
                .replace("$__range", RANGE);
    }

    /** The finite sample values of an instant query's vector or scalar result. */
    private static List<Double> finite(JsonNode data) {
        List<JsonNode> samples = new ArrayList<>();
        if (data.path("resultType").asText().equals("scalar")) {
            samples.add(data.path("result"));
        } else {
            data.path("result").forEach(series -> samples.add(series.path("value")));
        }
        return samples.stream()
                .map(sample -> Double.parseDouble(sample.get(1).asText()))
                .filter(Double::isFinite)
                .toList();
    }

    private static List<Double> values(String promql) throws Exception {
        return finite(prometheus.query(promql));
    }

    private static void awaitValue(String promql, double expected) {
        await().atMost(SCRAPES)
                .untilAsserted(() -> assertThat(values(promql)).as(promql).containsExactly(expected));
    }

    private static List<JsonNode> rules() throws Exception {
        return StreamSupport.stream(prometheus.rules().path("groups").spliterator(), false)
                .flatMap(group -> StreamSupport.stream(group.path("rules").spliterator(), false))
                .toList();
    }
}
