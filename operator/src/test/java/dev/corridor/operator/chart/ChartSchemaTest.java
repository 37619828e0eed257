package dev.corridor.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every object the chart renders, with several value sets, is one the API server of Kubernetes 1.29 (the chart's
 * kubeVersion) would accept by its schema ({@link KubernetesSchema}): a built-in kind, no field it does not know, every
 * value of the field's type, every required field. Objects of other projects' CRDs are named and left to the chart
 * tests that check them.
 */
class ChartSchemaTest {
    /** cert-manager's and the Prometheus Operator's kinds: no model here to check them against. */
    private static final Set<String> CRD_KINDS =
            Set.of("Issuer", "Certificate", "PodMonitor", "ServiceMonitor", "PrometheusRule");

    private static final Map<String, List<FakeApiServer.Kind>> EVERYTHING = FakeApiServer.with(
            FakeApiServer.TEMPLATE,
            "monitoring.coreos.com/v1",
            FakeApiServer.WITH_PROMETHEUS_OPERATOR.get("monitoring.coreos.com/v1"));

    @TempDir
    Path scratch;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                // Every option on, as far as they combine.
                """
            watchNamespaces: [team-a, team-b]
            operator:
              replicas: 3
              imagePullSecrets: [{name: registry-credentials}]
              nodeSelector: {kubernetes.io/os: linux}
              tolerations: [{key: dedicated, operator: Equal, value: system, effect: NoSchedule}]
              affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [system]}]}]}}}
              podSecurityContext: {fsGroup: 2000}
            sidecar: {allowedImages: [registry.example.com/corridor/]}
            injection: {mode: classic, tunDevice: create}
            webhook:
              port: 9443
              failurePolicy: Ignore
              matchConditions: false
              namespaceSelector: {matchLabels: {corridor.dev/injection: enabled}, matchExpressions: [{key: environment, operator: In, values: [staging]}]}
              certificates: {source: certManager}
            networkPolicy:
              enabled: true
              webhookFrom: [{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.1/32]}}]
              prometheus: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: prometheus}}}]
            monitoring:
              podMonitor: {enabled: true}
              serviceMonitor: {enabled: true}
              prometheusRule: {enabled: true}
              dashboard: {enabled: true, namespace: grafana}
            """,
                """
            operator: {replicas: 1}
            webhook: {certificates: {source: certManager, certManager: {issuerRef: {name: corporate-ca, kind: ClusterIssuer}}}}
            networkPolicy: {enabled: true, sidecarNamespaces: [payments]}
            """
            })
    void everyRenderedObjectFitsTheKubernetesSchema(String values) {
        List<ObjectNode> documents = RenderedChart.install("corridor", values, scratch, EVERYTHING)
                .chart()
                .documents();

        assertThat(documents).isNotEmpty();
        assertThat(documents.stream()
                        .filter(document ->
                                !CRD_KINDS.contains(document.path("kind").asText()))
                        .flatMap(document -> KubernetesSchema.problems(document).stream()))
                .isEmpty();
    }

    @Test
    void onOpenShiftToo() {
        Map<String, List<FakeApiServer.Kind>> openShift = FakeApiServer.with(
                FakeApiServer.TEMPLATE,
                "security.openshift.io/v1",
                List.of(new FakeApiServer.Kind("SecurityContextConstraints", "securitycontextconstraints", false)));
        List<ObjectNode> documents = RenderedChart.install("corridor", "", scratch, openShift)
                .chart()
                .documents();

        assertThat(documents.stream().flatMap(document -> KubernetesSchema.problems(document).stream()))
                .isEmpty();
    }

    @Test
    void theCheckFindsAMisspeltFieldAWrongTypeAMissingRequiredFieldAndAnUnknownKind() throws Exception {
        ObjectNode deployment = (ObjectNode) RenderedChart.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: "2"
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                        - name: web
                          readinessProbe: {httpGet: {path: /readyz}, periodSecond: 5}
                          volumeMounts: [{name: tmp}]
                """).getFirst();
        assertThat(KubernetesSchema.problems(deployment))
                .containsExactlyInAnyOrder(
                        "Deployment/web: spec.template.spec.containers[0].readinessProbe.periodSecond is not a field of Probe",
                        "Deployment/web: spec.template.spec.containers[0].readinessProbe.httpGet.port is required (HTTPGetAction)",
                        "Deployment/web: spec.template.spec.containers[0].volumeMounts[0].mountPath is required (VolumeMount)",
                        "Deployment/web: spec.replicas does not have the type the API gives that field");

        ObjectNode unknown =
                (ObjectNode) RenderedChart.parse("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n")
                        .getFirst();
        assertThat(KubernetesSchema.problems(unknown))
                .containsExactly("Deploymnet/web: apps/v1 Deploymnet is no Kubernetes API");
    }
}
